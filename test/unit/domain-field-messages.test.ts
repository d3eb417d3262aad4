import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatMessage, hasMessage } from '../../src/api/messages';

const SRC = path.resolve(__dirname, '../../src');

/**
 * Calls that pass on problems or keys built elsewhere: validation.ts's problem() takes a typed
 * MessageKey, and ValidationError.field builds its problem from the key it is given.
 */
const PASSING_ON = new Set([
  'api/validation.ts: toFieldProblems(fn.errors)',
  'api/validation.ts: textProblems',
  'domain/errors.ts: [{ field, message, ...(messageKey',
  'domain/errors.ts: this.problems',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'simulator' ? [] : sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

interface Call {
  where: string;
  kind: 'field' | 'new';
  /** The arguments as written, split at the commas of the call itself. */
  args: string[];
  /** Every single-quoted string inside the call. */
  literals: string[];
}

/** The arguments of the call whose opening parenthesis is just before `start`, skipping string contents. */
function readCall(text: string, start: number): { args: string[]; literals: string[] } {
  const args: string[] = [];
  const literals: string[] = [];
  let depth = 1;
  let arg = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      if (c === "'") literals.push(text.slice(i + 1, j));
      arg += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (depth === 0) break;
    if (c === ',' && depth === 1) {
      args.push(arg.trim());
      arg = '';
    } else {
      arg += c;
    }
    i++;
  }
  if (arg.trim()) args.push(arg.trim());
  return { args, literals };
}

/** Every `ValidationError.field(`, `new ValidationError(` and `ProblemList#problem(` call of the source. */
function validationCalls(): Call[] {
  const calls: Call[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/ValidationError\.field\(|new ValidationError\(|\bproblems\.problem\(/g)) {
      const line = text.slice(0, match.index).split('\n').length;
      const { args, literals } = readCall(text, (match.index ?? 0) + match[0].length);
      calls.push({
        where: `${path.relative(SRC, file)}:${line}`,
        kind: match[0].startsWith('new') ? 'new' : 'field',
        args,
        literals,
      });
    }
  }
  return calls;
}

const isKey = (literal: string) => /^(?:field|format|rule)\.[\w-]+$/.test(literal);
const compact = (text: string) => text.replace(/\s+/g, '');
const passesOn = (call: Call) => {
  const written = compact(`${call.where.replace(/:\d+$/, '')}:${call.args.join(',')}`);
  return [...PASSING_ON].some((exempt) => written.startsWith(compact(exempt)));
};

/** Why a call would answer in English only: no key, a key the catalogue lacks, or a problem without one. */
function missingKey(call: Call): string | undefined {
  if (passesOn(call)) return undefined;
  const keys = call.literals.filter(isKey);
  if (keys.length === 0) return 'no message key';
  const unknown = keys.filter((key) => !hasMessage(key));
  if (unknown.length > 0) return `unknown message key ${unknown.join(', ')}`;
  if (call.kind === 'new') {
    const text = call.args.join(',');
    const messages = text.match(/\bmessage\s*:/g)?.length ?? 0;
    const messageKeys = text.match(/\bmessageKey\s*:/g)?.length ?? 0;
    if (messageKeys < messages) return 'a problem without messageKey';
  }
  return undefined;
}

/** A message as written ('text' or `text ${x}`) with its parameters blanked, or undefined for an expression. */
function writtenShape(arg: string | undefined): string | undefined {
  if (!arg) return undefined;
  const quoted = /^'([^'\\]*)'$|^"([^"\\]*)"$/.exec(arg);
  if (quoted) return quoted[1] ?? quoted[2];
  const template = /^`([^`]*)`$/.exec(arg);
  return template ? template[1]!.replace(/\$\{[^}]*\}/g, '{}') : undefined;
}

describe('field messages of the source', () => {
  const calls = validationCalls();

  it('finds the validation calls of domain and route code', () => {
    expect(calls.filter((c) => c.where.startsWith('domain/')).length).toBeGreaterThan(30);
    expect(calls.filter((c) => c.where.startsWith('api/') && !passesOn(c)).length).toBeGreaterThan(1);
  });

  it('name a catalogue entry in every call, so that each can be answered in Chinese', () => {
    const missing = calls.flatMap((call) => {
      const why = missingKey(call);
      return why ? [`${call.where}: ${why}`] : [];
    });
    expect(missing).toEqual([]);
  });

  it('write the same English as the entry they name (clients without zh read the entry)', () => {
    const differing = calls.flatMap((call) => {
      if (call.kind !== 'field') return [];
      const written = writtenShape(call.args[1]);
      const key = /^'([^']+)'$/.exec(call.args[2] ?? '')?.[1];
      if (written === undefined || key === undefined || !hasMessage(key)) return [];
      const catalogued = formatMessage(key).replace(/\{\w+\}/g, '{}');
      return catalogued === written ? [] : [`${call.where}: "${written}" vs ${key} "${catalogued}"`];
    });
    expect(differing).toEqual([]);
  });
});
