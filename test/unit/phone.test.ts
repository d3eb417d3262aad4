import { normalizeChinaPhone } from '../../src/domain/phone';

describe('normalizeChinaPhone', () => {
  describe('mobile numbers', () => {
    it.each([
      ['13800138000', '13800138000'],
      ['+86 138-0013-8000', '13800138000'],
      ['+8613800138000', '13800138000'],
      ['(+86) 13800138000', '13800138000'],
      ['0086 13800138000', '13800138000'],
      ['8613800138000', '13800138000'],
      ['86 138 0013 8000', '13800138000'],
      ['138.0013.8000', '13800138000'],
      ['  19912345678  ', '19912345678'],
    ])('%p → %p', (input, expected) => {
      expect(normalizeChinaPhone(input)).toBe(expected);
    });
  });

  describe('landlines with area code', () => {
    it.each([
      ['010-12345678', '01012345678'],
      ['(010)12345678', '01012345678'],
      ['（010）12345678', '01012345678'], // full-width parentheses
      ['0755 1234 5678', '075512345678'],
      ['0571-8765432', '05718765432'],
      ['+86 010-12345678', '01012345678'],
      ['0086 0755 1234 5678', '075512345678'],
    ])('%p → %p', (input, expected) => {
      expect(normalizeChinaPhone(input)).toBe(expected);
    });
  });

  describe('400/800 service numbers', () => {
    it.each([
      ['400-123-4567', '4001234567'],
      ['800 123 4567', '8001234567'],
      ['4008123456', '4008123456'],
    ])('%p → %p', (input, expected) => {
      expect(normalizeChinaPhone(input)).toBe(expected);
    });
  });

  describe('rejects', () => {
    it.each([
      ['too short', '12345'],
      ['10-digit number starting with 2', '2380013800'],
      ['10-digit mobile-like number', '1380013800'],
      ['12-digit mobile-like number', '138001380001'],
      ['mobile with invalid second digit', '12800138000'],
      ['letters', '1380013800a'],
      ['letters only', 'phone'],
      ['a US number', '+1 415 555 0100'],
      ['empty string', ''],
      ['only separators', ' - ( ) '],
      ['landline too long', '0755123456789'],
      ['landline too short', '010123456'],
      ['400 number with 6 digits after prefix', '400123456'],
      ['"86" prefix before a non-mobile', '8601012345678'],
    ])('%s (%p)', (_label, input) => {
      expect(normalizeChinaPhone(input)).toBeNull();
    });
  });

  it('returns digits only for everything it accepts', () => {
    for (const input of ['+86 138-0013-8000', '010-12345678', '400-123-4567']) {
      expect(normalizeChinaPhone(input)).toMatch(/^\d+$/);
    }
  });
});
