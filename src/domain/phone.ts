/**
 * Normalises a phone number as written in China: strips spaces, dashes, dots and parentheses and
 * the +86 / 0086 / 86 country prefix. Returns digits only (mobile `1xxxxxxxxxx`, landline with
 * area code `0xxxxxxxxx`, or service numbers `400`/`800` + 7 digits), or null when it is not one.
 */
export function normalizeChinaPhone(input: string): string | null {
  let digits = input.trim().replace(/[\s\-.()（）]/g, '');
  let international = true;
  if (digits.startsWith('+86')) digits = digits.slice(3);
  else if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (/^86(1\d{10})$/.test(digits)) digits = digits.slice(2);
  else international = false;
  if (!/^\d+$/.test(digits)) return null;
  // Written internationally, a landline drops the trunk 0 of its area code: +86 10 12345678 is 010-12345678.
  if (international && /^[2-9]\d{8,10}$|^10\d{7,8}$/.test(digits)) digits = `0${digits}`;
  if (/^1[3-9]\d{9}$/.test(digits)) return digits;
  if (/^0\d{2,3}\d{7,8}$/.test(digits) && digits.length <= 12) return digits;
  if (/^[48]00\d{7}$/.test(digits)) return digits;
  return null;
}
