import { Type } from '@sinclair/typebox';
import type { Config } from '../../../config';
import { setUserAvatar, storeAvatar, type AvatarUrls } from '../../../domain/user-avatars/avatars';
import type { AppDeps } from '../../app';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';

const FILE_FIELD = 'file';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

/** The URLs avatars are issued under, from the configuration. */
export const avatarUrlsOf = (config: Config): AvatarUrls => ({ publicBaseUrl: config.FILES_PUBLIC_BASE_URL });

const AvatarView = Type.Object({
  url: Type.String({
    description: 'where the API serves the image (GET /files/avatars/{name}); pass it to updateAvatar',
  }),
  name: Type.String({ description: 'the file name: the SHA-256 of the content and the extension of its kind' }),
  contentType: Type.String({ description: 'image/png, image/jpeg or image/webp, from the content' }),
  size: Type.Integer({ description: 'bytes' }),
});

const UserAvatarView = Type.Object({
  userId: Type.String(),
  avatar: Type.String({ description: 'the avatar URL now stored on the user' }),
});

/** Avatars of system users: upload an image, then set it as a user's avatar by the URL the upload answered. */
export function userAvatarRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/user/uploadAvatar',
      seedOp: 'user.uploadAvatar',
      operationId: 'uploadUserAvatar',
      summary: 'Upload an avatar image (multipart, PNG, JPEG or WebP) and get the URL the API serves it at',
      description:
        `One file part named \`${FILE_FIELD}\` and nothing else. Its kind is read from its content; the file ` +
        'name and declared content type do not count, so a text file named .png is refused (400). Over ' +
        'AVATAR_MAX_BYTES (2 MiB unless configured) is 413. Nothing is stored on a refusal; the same image ' +
        'uploaded twice gets the same URL. The URL is public (an <img> can load it) and cannot be guessed ' +
        'without the image.',
      tag: 'users',
      auth: 'admin',
      permission: 'user:uploadAvatar',
      multipartBody: {
        field: FILE_FIELD,
        maxBytes: (config) => config.AVATAR_MAX_BYTES,
        description: 'the image: PNG, JPEG or WebP, at most AVATAR_MAX_BYTES bytes (2 MiB unless configured)',
      },
      response: AvatarView,
      handle: async ({ file }) => {
        if (!file) throw new Error('multipart route called without its file');
        return storeAvatar(deps.files, file, avatarUrlsOf(deps.config));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/updateAvatar',
      seedOp: 'user.updateAvatar',
      operationId: 'updateUserAvatar',
      errors: [404],
      summary: "Set a user's avatar to an image uploaded with user/uploadAvatar",
      description:
        'avatarUrl must be a URL that user/uploadAvatar answered (absolute under FILES_PUBLIC_BASE_URL, or its ' +
        'path /files/avatars/{name}) of a file still stored; any other URL is refused (400). An unknown or ' +
        'deleted user is 404.',
      tag: 'users',
      auth: 'admin',
      permission: 'user:updateAvatar',
      body: Type.Object(
        {
          userId: IdString,
          avatarUrl: Type.String({ minLength: 1, maxLength: 1024, description: 'the url user/uploadAvatar answered' }),
        },
        { additionalProperties: false },
      ),
      response: UserAvatarView,
      handle: async ({ body }, ctx) => {
        const row = await setUserAvatar(
          deps.db,
          deps.files,
          { userId: body.userId, url: body.avatarUrl, field: 'avatarUrl' },
          avatarUrlsOf(deps.config),
          actorOf(ctx),
        );
        return { userId: String(row.id), avatar: row.avatar };
      },
    }),
  ];
}
