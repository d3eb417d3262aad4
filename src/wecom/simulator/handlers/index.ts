import { acquisitionHandlers } from './acquisition';
import { authHandlers } from './auth';
import { contactHandlers } from './contacts';
import { groupHandlers } from './groups';
import { orgHandlers } from './org';
import { tagHandlers } from './tags';
import { transferHandlers } from './transfer';
import type { HandlerTable } from './types';
import { wayHandlers } from './ways';
import { welcomeHandlers } from './welcome';

/** Every endpoint of the table, answered. */
export const handlers: HandlerTable = {
  ...authHandlers,
  ...orgHandlers,
  ...contactHandlers,
  ...tagHandlers,
  ...groupHandlers,
  ...transferHandlers,
  ...wayHandlers,
  ...acquisitionHandlers,
  ...welcomeHandlers,
};
