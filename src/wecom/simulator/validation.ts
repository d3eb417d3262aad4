import type { TSchema } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { WecomError } from './errors';

/** Strict about types, lenient about extra fields: WeCom ignores parameters it does not know. */
const ajv = new Ajv({ allErrors: false, strict: false });

export function compile<T>(schema: TSchema): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** The errcode WeCom uses when this parameter is missing. */
const MISSING_CODES: Record<string, number> = {
  corpid: 41002,
  corpsecret: 41004,
  userid: 41009,
  external_userid: 41035,
  config_id: 41043,
  welcome_code: 41049,
};

/** The errcode WeCom uses when this parameter is present but wrong. */
const INVALID_CODES: Record<string, number> = {
  userid: 40003,
  handover_userid: 40003,
  takeover_userid: 40003,
  new_owner: 40003,
  userid_list: 40031,
};

/** Turns the first schema violation into the errcode WeCom would answer with. */
export function toWecomError(path: string, where: 'query' | 'body', errors: readonly ErrorObject[]): WecomError {
  const error = errors[0];
  if (!error) return new WecomError(40058);
  if (error.keyword === 'required') {
    const field = String(error.params['missingProperty'] ?? '');
    return new WecomError(MISSING_CODES[field] ?? 40058, `missing ${field}`);
  }
  const field = error.instancePath.split('/')[1] ?? '';
  const detail = `${where}${error.instancePath || ''} ${error.message ?? 'is invalid'}`;
  if (path === 'ticket/get' && field === 'type') return new WecomError(91040);
  if (field === '') return new WecomError(47001, `data format error: ${detail}`);
  return new WecomError(INVALID_CODES[field] ?? 40058, `invalid parameter: ${detail}`);
}
