/**
 * Tokens of one logical line of keepalived.conf: words, `{` and `}`. A word may mix bare text and "..." parts
 * (`abcd" efg "h` is the one word `abcd efg h`, as keepalived has it); inside "..." the C escapes \a \b \E \f \n
 * \r \t \v \NNN \xHH \cC are decoded and any other \C stands for C. Outside quotes a backslash is kept as is.
 * Every token keeps the position of its first character.
 */

import { SIMPLE_ESCAPES } from '../command.js';
import type { ConfigIssue, Pos, Token } from './types.js';

/** A piece of text with the source position of every character (substituted text gets its reference's). */
export interface Text {
  s: string;
  pos: Pos[];
  /** Position just after the last character, for errors at the end of the line. */
  end: Pos;
}

export function textOf(s: string, file: string, line: number, col = 1): Text {
  const pos = Array.from(s, (_, i) => ({ file, line, col: col + i }));
  return { s, pos, end: { file, line, col: col + s.length } };
}

export function slice(t: Text, start: number, end = t.s.length): Text {
  return { s: t.s.slice(start, end), pos: t.pos.slice(start, end), end: end >= t.s.length ? t.end : posAt(t, end) };
}

export function concat(a: Text, b: Text): Text {
  return { s: a.s + b.s, pos: [...a.pos, ...b.pos], end: b.s.length > 0 ? b.end : a.end };
}

export function posAt(t: Text, i: number): Pos {
  return t.pos[i] ?? t.end;
}

export function trim(t: Text): Text {
  const start = t.s.length - t.s.trimStart().length;
  const end = t.s.trimEnd().length;
  return start >= end ? slice(t, t.s.length) : slice(t, start, end);
}

const WHITE = /[ \t\f\v\r\n]/;

/** Cuts a `#` or `!` comment (not inside "..."). */
export function stripComment(t: Text): Text {
  let quoted = false;
  for (let i = 0; i < t.s.length; i++) {
    const c = t.s[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '#' || c === '!')) return slice(t, 0, i);
  }
  return t;
}

/** Splits a logical line into tokens. `line` is the logical line index stored in each token. */
export function tokenize(t: Text, line: number, errors: ConfigIssue[]): Token[] {
  const tokens: Token[] = [];
  const s = t.s;
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (WHITE.test(c)) {
      i++;
      continue;
    }
    if (c === '{' || c === '}') {
      tokens.push({ kind: c === '{' ? 'open' : 'close', value: c, raw: c, quoted: false, pos: posAt(t, i), line });
      i++;
      continue;
    }
    const start = i;
    let value = '';
    let quoted = false;
    while (i < s.length) {
      const ch = s[i] as string;
      if (WHITE.test(ch) || ch === '{' || ch === '}') break;
      if (ch !== '"') {
        value += ch;
        i++;
        continue;
      }
      quoted = true;
      const open = i;
      i++;
      let closed = false;
      while (i < s.length) {
        const q = s[i] as string;
        if (q === '"') {
          closed = true;
          i++;
          break;
        }
        if (q === '\\' && i + 1 < s.length) {
          const [decoded, next] = decodeEscape(s, i + 1);
          value += decoded;
          i = next;
          continue;
        }
        value += q;
        i++;
      }
      if (!closed) {
        errors.push({ ...posAt(t, open), message: 'unterminated string: this " has no closing "' });
      }
    }
    tokens.push({ kind: 'word', value, raw: s.slice(start, i), quoted, pos: posAt(t, start), line });
  }
  return tokens;
}

/** Decodes the escape whose letter is at s[i]; returns the text and the index after it. */
function decodeEscape(s: string, i: number): [string, number] {
  const e = s[i] as string;
  if (e === 'x' && /[0-9a-fA-F]/.test(s[i + 1] ?? '')) {
    let j = i + 1;
    let v = 0;
    while (j < s.length && j < i + 3 && /[0-9a-fA-F]/.test(s[j] as string))
      v = v * 16 + Number.parseInt(s[j++] as string, 16);
    return [String.fromCharCode(v), j];
  }
  if (/[0-7]/.test(e)) {
    let j = i;
    let v = 0;
    while (j < s.length && j < i + 3 && /[0-7]/.test(s[j] as string)) v = v * 8 + Number(s[j++]);
    return [String.fromCharCode(v & 0xff), j];
  }
  if (e === 'c' && i + 1 < s.length) return [String.fromCharCode((s.charCodeAt(i + 1) & 0x1f) >>> 0), i + 2];
  return [SIMPLE_ESCAPES[e] ?? e, i + 1];
}
