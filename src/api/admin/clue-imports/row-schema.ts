import { Type } from '@sinclair/typebox';
import type { RowProblem, RowValidator } from '../../../domain/clue-imports/import-rows';
import { ValidationError } from '../../../domain/errors';
import { formatMessage, hasMessage } from '../../messages';
import { CollectClueBody } from '../../open/clues/collect-schema';
import { validate } from '../../validation';

const collect = CollectClueBody.properties;

/** One imported row: the template's fields with the collect API's rules (as clue.create takes them). */
export const ImportRowSchema = Type.Object(
  {
    linkManName: collect.linkManName,
    linkManTel: collect.linkManTel,
    email: collect.email,
    wechat: collect.wechat,
    address: collect.address,
    remark: Type.Optional(collect.remark),
    tag: collect.tag,
    landPage: Type.Optional(collect.landPage),
    device: Type.Optional(collect.device),
  },
  { additionalProperties: false },
);

/** The row's problems with their reasons in Chinese, the language of the error report. */
export const validateImportRow: RowValidator = (record) => {
  try {
    validate(ImportRowSchema, record);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((p): RowProblem => ({
      field: p.field,
      reason: p.messageKey && hasMessage(p.messageKey) ? formatMessage(p.messageKey, p.params, 'zh') : p.message,
    }));
  }
};
