import { Type } from '@sinclair/typebox';
import type { RecordTarget } from '../../domain/clues/record-target';
import { ValidationError } from '../../domain/errors';
import { IdString } from '../validation';

/** The detail views' way of naming one clue or one WeCom customer: exactly one of the two ids. */
export const OneRecord = {
  clueId: Type.Optional(IdString),
  customerId: Type.Optional(IdString),
};

export function oneRecordOf(input: { clueId?: string; customerId?: string }): RecordTarget {
  if ((input.clueId === undefined) === (input.customerId === undefined)) {
    throw new ValidationError([
      {
        field: 'clueId',
        message: 'give exactly one of clueId and customerId',
        messageKey: 'rule.exactlyOneClueOrCustomer',
      },
      {
        field: 'customerId',
        message: 'give exactly one of clueId and customerId',
        messageKey: 'rule.exactlyOneClueOrCustomer',
      },
    ]);
  }
  return input.clueId !== undefined ? { clueId: input.clueId } : { customerId: input.customerId as string };
}
