import { Type } from '@sinclair/typebox';
import { ValidationError } from '../../domain/errors';
import {
  answerUrlCheck,
  loadCallbackCorp,
  receiveEncryptedCallback,
  receivePlainEvent,
  type ReceivedEvent,
} from '../../domain/wecom-events/receive-callback';
import { buildJsConfig } from '../../wecom/js-sdk';
import type { AppDeps } from '../app';
import { corpOf } from '../admin/corp';
import { defineRoute, type RouteDefinition } from '../route';

/** WeCom sends a few KB; anything far larger is not a callback. */
const CALLBACK_BODY_LIMIT = '64kb';

const CorpParams = Type.Object({ corpId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
const SignedQuery = {
  msg_signature: Type.String({ pattern: '^[0-9a-f]{40}$', maxLength: 40, 'x-message': 'field.sha1Hex' }),
  timestamp: Type.String({ pattern: '^[0-9]{1,12}$', maxLength: 12 }),
  nonce: Type.String({ minLength: 1, maxLength: 64 }),
};

const ReceivedEventView = Type.Object({
  eventId: Type.String(),
  duplicate: Type.Boolean(),
  event: Type.String(),
  changeType: Type.String(),
});

export function wecomRoutes(deps: AppDeps): RouteDefinition[] {
  /** The processing workflow starts now; the outbox sweep starts it later if Temporal is down. */
  const dispatch = (received: ReceivedEvent) => {
    if (!received.duplicate) {
      deps.welcomes?.offer(received);
      deps.wecomEvents.enqueue({
        id: received.eventId,
        corpId: received.corpId,
        type: received.changeType || received.event,
        externalUserid: received.externalUserid,
      });
    }
    return received;
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/api-scrm/wecom/callback/{corpId}',
      seedOp: 'wecom.callbackVerify',
      operationId: 'verifyWecomCallbackUrl',
      errors: [401, 404],
      summary: "WeCom's callback URL check: verify msg_signature, decrypt echostr and answer its plaintext as the body",
      tag: 'wecom',
      auth: 'public',
      // WeCom's own requests: a query parameter WeCom adds one day must not make callbacks fail.
      unknownFields: 'ignore',
      params: CorpParams,
      query: Type.Object({ ...SignedQuery, echostr: Type.String({ minLength: 1, maxLength: 4096 }) }),
      response: Type.Null(),
      rawResponse: { contentType: 'text/plain', description: 'the decrypted echostr, nothing else' },
      handle: async ({ params, query }, ctx) => {
        const corp = await loadCallbackCorp(deps.db, params.corpId);
        ctx.koa.type = 'text/plain';
        ctx.koa.body = answerUrlCheck(corp, {
          msgSignature: query.msg_signature,
          timestamp: query.timestamp,
          nonce: query.nonce,
          echostr: query.echostr,
        });
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api-scrm/wecom/callback/{corpId}',
      seedOp: 'wecom.callbackEvent',
      operationId: 'receiveWecomCallback',
      errors: [401, 404],
      summary:
        'WeCom event receiver: verify the signature and timestamp, decrypt, store the event durably (a redelivery is stored once), answer 200 with an empty body, and process it in a Temporal workflow',
      tag: 'wecom',
      auth: 'public',
      // WeCom's own requests: a query parameter WeCom adds one day must not make callbacks fail.
      unknownFields: 'ignore',
      params: CorpParams,
      query: Type.Object(SignedQuery),
      textBody: { limit: CALLBACK_BODY_LIMIT, description: 'the encrypted XML envelope WeCom sends' },
      response: Type.Null(),
      rawResponse: { contentType: 'text/plain', description: 'empty body: the event is stored' },
      handle: async ({ params, query }, ctx) => {
        const corp = await loadCallbackCorp(deps.db, params.corpId);
        const body = (ctx.koa.request as { body?: unknown }).body;
        if (typeof body !== 'string' || body.length === 0) {
          throw ValidationError.field('body', 'must be the XML envelope (Content-Type text/xml)', 'rule.xmlEnvelope');
        }
        dispatch(
          await receiveEncryptedCallback(
            deps.db,
            corp,
            { msgSignature: query.msg_signature, timestamp: query.timestamp, nonce: query.nonce },
            body,
            { maxAgeSeconds: deps.config.WECOM_CALLBACK_MAX_AGE_SECONDS },
          ),
        );
        ctx.koa.status = 200;
        ctx.koa.body = '';
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/callback/test',
      seedOp: 'wecom.callbackTest',
      operationId: 'testWecomCallback',
      errors: [401, 404],
      summary:
        "Operators' self-test: feed a sample event through the same receiver — plain event XML, or an encrypted envelope with its signature — and get the stored event id",
      tag: 'wecom',
      auth: 'admin',
      permission: 'wecom:callbackTest',
      body: Type.Object({
        plainXml: Type.Optional(Type.String({ minLength: 1, maxLength: 65536 })),
        encrypted: Type.Optional(
          Type.Object({
            msgSignature: SignedQuery.msg_signature,
            timestamp: SignedQuery.timestamp,
            nonce: SignedQuery.nonce,
            body: Type.String({ minLength: 1, maxLength: 65536 }),
          }),
        ),
      }),
      response: ReceivedEventView,
      handle: async ({ body }, ctx) => {
        const corp = await loadCallbackCorp(deps.db, corpOf(ctx, deps));
        if ((body.plainXml === undefined) === (body.encrypted === undefined)) {
          throw ValidationError.field(
            'plainXml',
            'give exactly one of plainXml and encrypted',
            'rule.exactlyOnePlainOrEncrypted',
          );
        }
        const received = body.encrypted
          ? await receiveEncryptedCallback(deps.db, corp, body.encrypted, body.encrypted.body, {
              maxAgeSeconds: deps.config.WECOM_CALLBACK_MAX_AGE_SECONDS,
            })
          : await receivePlainEvent(deps.db, corp, body.plainXml as string);
        return dispatch(received);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/jsConfig',
      seedOp: 'wecom.jsConfig',
      operationId: 'getWecomJsConfig',
      errors: [409, 503],
      summary:
        'JS-SDK signatures for a page URL: wx.config (corp jsapi_ticket) and wx.agentConfig (app ticket); tickets are cached server side',
      tag: 'wecom',
      auth: 'admin',
      permission: 'wecom:jsConfig',
      body: Type.Object({ url: Type.String({ format: 'http-url', maxLength: 2048 }) }),
      response: Type.Object({
        url: Type.String(),
        config: Type.Object({
          corpId: Type.String(),
          timestamp: Type.Integer(),
          nonceStr: Type.String(),
          signature: Type.String(),
        }),
        agentConfig: Type.Object({
          corpId: Type.String(),
          agentId: Type.Union([Type.Integer(), Type.Null()]),
          timestamp: Type.Integer(),
          nonceStr: Type.String(),
          signature: Type.String(),
        }),
      }),
      handle: async ({ body }, ctx) => {
        const api = await deps.wecom(corpOf(ctx, deps));
        const [jsapiTicket, agentTicket] = await Promise.all([api.getJsapiTicket(), api.getAgentTicket()]);
        return buildJsConfig({ corpId: api.corpId, agentId: api.agentId, jsapiTicket, agentTicket, url: body.url });
      },
    }),
  ];
}
