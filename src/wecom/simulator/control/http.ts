import type { Static, TSchema } from '@sinclair/typebox';
import Ajv from 'ajv';
import type Koa from 'koa';
import { WecomError } from '../errors';
import { readRawBody, RequestTooLargeError } from '../raw-body';

/** A refused control request: HTTP status plus a stable UPPER_SNAKE code. */
export class ControlError extends Error {
  override readonly name = 'ControlError';

  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function notFound(what: string): ControlError {
  return new ControlError(404, 'NOT_FOUND', `${what} not found`);
}

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const validators = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();

/** Parses and validates a JSON body against a TypeBox schema; ControlError 400 listing every problem. */
export async function readBody<S extends TSchema>(ctx: Koa.Context, schema: S): Promise<Static<S>> {
  let raw: Buffer;
  try {
    raw = await readRawBody(ctx.req, 1024 * 1024);
  } catch (error) {
    if (error instanceof RequestTooLargeError) throw new ControlError(400, 'BODY_TOO_LARGE', error.message);
    throw error;
  }
  let body: unknown = {};
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new ControlError(400, 'INVALID_JSON', 'the body is not valid JSON');
    }
  }
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  if (!validate(body)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || 'body'} ${e.message ?? 'is invalid'}`);
    throw new ControlError(400, 'INVALID_BODY', problems.join('; '));
  }
  return body as Static<S>;
}

/** Control middleware: JSON errors with a clear status; WeCom rule violations become 400 with their errcode. */
export async function controlErrors(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    if (error instanceof ControlError) {
      ctx.status = error.status;
      ctx.body = { error: { code: error.code, message: error.message } };
    } else if (error instanceof WecomError) {
      ctx.status = 400;
      ctx.body = { error: { code: 'WECOM_RULE', errcode: error.errcode, message: error.message } };
    } else {
      throw error;
    }
  }
}
