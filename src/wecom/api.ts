import type { Static } from '@sinclair/typebox';
import type {
  EndpointBody,
  EndpointName,
  EndpointQuery,
  EndpointResponse,
  MediaUploadImageResponse,
  MediaUploadResponse,
} from './endpoints';

/** A file for media/upload or media/uploadimg, sent as the multipart part named `media`. */
export interface MediaFile {
  data: Uint8Array;
  filename: string;
  /** e.g. 'image/png'; application/octet-stream when omitted. */
  contentType?: string;
}

export type MediaType = 'image' | 'voice' | 'video' | 'file';
export type MediaUploadResult = Static<typeof MediaUploadResponse>;
export type MediaUploadImageResult = Static<typeof MediaUploadImageResponse>;

/** What callers need of WeCom: one typed call per endpoint of the table (errcode ≠ 0 throws WecomApiError). */
export interface WecomApi {
  readonly corpId: string;
  readonly agentId: number | undefined;
  /** Cached JS-SDK tickets: the corp's (wx.config) and the app's (wx.agentConfig). */
  getJsapiTicket(): Promise<string>;
  getAgentTicket(): Promise<string>;
  /** media/upload (temporary media_id, 3 days) and media/uploadimg (permanent URL), multipart. */
  uploadMedia(type: MediaType, file: MediaFile): Promise<MediaUploadResult>;
  uploadImage(file: MediaFile): Promise<MediaUploadImageResult>;
  call<N extends EndpointName>(
    name: N,
    input: { query?: EndpointQuery<N>; body?: EndpointBody<N> },
  ): Promise<EndpointResponse<N>>;
}

/** Resolves the client of one corp (credentials from wecom_corp); NotFoundError when the corp is unknown. */
export type WecomApiFactory = (corpId: string) => Promise<WecomApi>;
