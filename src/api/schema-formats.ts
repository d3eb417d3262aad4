import { normalizeChinaPhone } from '../domain/phone';

/**
 * The string formats request schemas use. Each is checked by the validator and documented in the
 * OpenAPI document with a description and a pattern a generic client can apply before sending
 * (the pattern is looser where the check is a computation, e.g. a time zone's existence).
 */
export interface StringFormat {
  validate(value: string): boolean;
  /** Appended to the field's description in the OpenAPI document. */
  description: string;
  /** A pattern every valid value matches; added to the documented schema. */
  pattern: string;
  /** The longest valid value; a field of this format without its own maxLength gets it. */
  maxLength: number;
}

const BIGINT_MAX = 9223372036854775807n;

// PostgreSQL timestamptz takes offsets up to ±15:59; years outside this window are typos, never data.
export const EARLIEST_INSTANT = Date.UTC(1900, 0, 1);
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

function validDayOfMonth(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The instant an RFC 3339 date-time names, or null when it is not one or lies outside the window. */
export function parseDateTime(value: string): Date | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validDayOfMonth(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  if (m[9] !== undefined && (Number(m[10]) > 15 || Number(m[11]) > 59)) return null;
  const instant = Date.parse(value);
  if (Number.isNaN(instant) || instant < EARLIEST_INSTANT || instant > LATEST_INSTANT) return null;
  return new Date(instant);
}

function validDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return year >= 1900 && validDayOfMonth(year, month, day);
}

function validHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function validTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const STRING_FORMATS: Record<string, StringFormat> = {
  'date-time': {
    validate: (value) => parseDateTime(value) !== null,
    description:
      'RFC 3339 date-time with an offset (Z or ±hh:mm, at most ±15:59), from 1900-01-01 to 9999-12-31; ' +
      'read as that instant and handled in UTC.',
    pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-](0\\d|1[0-5]):[0-5]\\d)$',
    maxLength: 35,
  },
  date: {
    validate: validDate,
    description: 'a calendar day YYYY-MM-DD, from 1900-01-01 to 9999-12-31',
    pattern: '^(19|[2-9]\\d)\\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$',
    maxLength: 10,
  },
  'cn-phone': {
    validate: (value) => normalizeChinaPhone(value) !== null,
    description:
      'a phone number used in China: a mobile 1[3-9]xxxxxxxxx or a landline 0xx(x)-xxxxxxx(x), or a 400/800 ' +
      'number; +86/0086, spaces, dashes, dots and parentheses are allowed and removed',
    pattern: '^[+0-9\\s\\-.()（）]{7,32}$',
    maxLength: 32,
  },
  'http-url': {
    validate: validHttpUrl,
    description: 'an absolute http:// or https:// URL',
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://\\S+$',
    maxLength: 2048,
  },
  'hh-mm-range': {
    validate: (value) => /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?-([01]\d|2[0-4]):[0-5]\d(:[0-5]\d)?$/.test(value),
    description: 'a time-of-day range HH:MM-HH:MM (seconds optional), e.g. 09:00-18:00; the end may be 24:00',
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?-([01]\\d|2[0-4]):[0-5]\\d(:[0-5]\\d)?$',
    maxLength: 17,
  },
  'bigint-id': {
    // Ids are PostgreSQL bigints: a longer or larger number would make the query itself fail.
    validate: (value) => /^[0-9]{1,19}$/.test(value) && BigInt(value) <= BIGINT_MAX,
    description: 'a positive integer id as a decimal string, at most 9223372036854775807',
    pattern: '^[1-9][0-9]{0,18}$',
    maxLength: 19,
  },
  'iana-zone': {
    validate: validTimeZone,
    description: 'an IANA time zone name such as Asia/Shanghai',
    pattern: '^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$',
    maxLength: 64,
  },
  email: {
    validate: (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value),
    description: 'an email address',
    pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
    maxLength: 254,
  },
  uri: {
    validate: (value) => {
      try {
        new URL(value);
        return true;
      } catch {
        return false;
      }
    },
    description: 'an absolute URI',
    pattern: '^[A-Za-z][A-Za-z0-9+.\\-]*:\\S*$',
    maxLength: 2048,
  },
};
