import { Type } from '@sinclair/typebox';
import { AVATAR_NAME, openAvatar } from '../../domain/user-avatars/avatars';
import type { AppDeps } from '../app';
import { defineRoute, type RouteDefinition } from '../route';

/** Avatars never change under a name (the name is their content's hash), so browsers may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Uploaded files the API serves back: public, so that an <img> tag can load them without a token. */
export function fileRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/files/avatars/{name}',
      operationId: 'getAvatarFile',
      errors: [404],
      summary: 'An uploaded avatar image, as its bytes',
      description:
        'Public: the name is the SHA-256 of the image, so only someone given the URL can load it. Served with ' +
        'the content type its content was recognised as at upload, nosniff and a one-year immutable cache. An ' +
        'unknown name is 404 (the envelope).',
      tag: 'users',
      auth: 'public',
      params: Type.Object({
        name: Type.String({
          maxLength: 69,
          pattern: AVATAR_NAME.source,
          'x-message': 'field.avatarName',
          description: 'the name user/uploadAvatar answered',
        }),
      }),
      response: Type.Null(),
      rawResponse: { contentType: 'image/*', description: 'the image (image/png, image/jpeg or image/webp)' },
      handle: async ({ params }, ctx) => {
        const avatar = await openAvatar(deps.files, params.name);
        const koa = ctx.koa;
        koa.set('Cache-Control', IMMUTABLE);
        koa.set('X-Content-Type-Options', 'nosniff');
        koa.set('Content-Security-Policy', "default-src 'none'; sandbox");
        koa.set('ETag', avatar.etag);
        koa.status = 200;
        if (koa.fresh) {
          avatar.body.destroy();
          koa.status = 304;
          return null;
        }
        koa.body = avatar.body;
        koa.type = avatar.contentType;
        koa.length = avatar.size;
        return null;
      },
    }),
  ];
}
