/**
 * Tokens of one logical line of keepalived.conf: words, `{` and `}`. A word may mix bare text and "..." parts
 * (`abcd" efg "h` is the one word `abcd efg h`, as keepalived has it); inside "..." the C escapes \a \b \E \f \n
 * \r \t \v \NNN \xHH \cC are decoded and any other \C stands for C. Outside quotes a backslash is kept as is.
 * Every token keeps the position of its first character.
 */

import { SIMPLE_ESCAPES } from '../command.js';
import type { ConfigIssue, Pos, Token } from './types.js';

/**
 * A piece of text with the source position of every character (substituted text gets its reference's), kept as
 * runs rather than one position per character: a thousand real servers are tens of thousands of characters.
 */
export interface Text {
  s: string;
  /** From index `at` of `s` on (until the next run): columns from `col`, advancing `step` (0 or 1) a character. */
  runs: readonly PosRun[];
  /** Position just after the last character, for errors at the end of the line. */
  end: Pos;
}

export interface PosRun {
  at: number;
  file: string;
  line: number;
  col: number;
  step: 0 | 1;
}

export function textOf(s: string, file: string, line: number, col = 1): Text {
  return { s, runs: [{ at: 0, file, line, col, step: 1 }], end: { file, line, col: col + s.length } };
}

/** Text whose every character is at `at` (a substituted value: errors point at the reference). */
export function textAt(s: string, at: Pos): Text {
  return { s, runs: [{ at: 0, ...at, step: 0 }], end: at };
}

export function slice(t: Text, start: number, end = t.s.length): Text {
  const runs: PosRun[] = [];
  for (let r = 0; r < t.runs.length; r++) {
    const run = t.runs[r] as PosRun;
    const next = (t.runs[r + 1]?.at ?? t.s.length) as number;
    if (next <= start || run.at >= end) continue;
    const from = Math.max(run.at, start);
    runs.push({ ...run, at: from - start, col: run.col + run.step * (from - run.at) });
  }
  return { s: t.s.slice(start, end), runs, end: end >= t.s.length ? t.end : posAt(t, end) };
}

export function concat(a: Text, b: Text): Text {
  const runs = [...a.runs];
  for (const r of b.runs) addRun(runs, { ...r, at: r.at + a.s.length });
  return { s: a.s + b.s, runs, end: b.s.length > 0 ? b.end : a.end };
}

/** Appends a run, merged into the last one when it only continues it (a substitution repeated stays one run). */
function addRun(runs: PosRun[], run: PosRun): void {
  const last = runs.at(-1);
  const continues =
    last !== undefined &&
    last.file === run.file &&
    last.line === run.line &&
    last.step === run.step &&
    last.col + last.step * (run.at - last.at) === run.col;
  if (!continues) runs.push(run);
}

export function posAt(t: Text, i: number): Pos {
  if (i >= t.s.length || i < 0) return t.end;
  for (let r = t.runs.length - 1; r >= 0; r--) {
    const run = t.runs[r] as PosRun;
    if (run.at <= i) return { file: run.file, line: run.line, col: run.col + run.step * (i - run.at) };
  }
  return t.end;
}

export function trim(t: Text): Text {
  const start = t.s.length - t.s.trimStart().length;
  const end = t.s.trimEnd().length;
  return start >= end ? slice(t, t.s.length) : slice(t, start, end);
}

/** keepalived's white space: space, \t, \n, \v, \f, \r. */
const isWhite = (c: number) => c === 32 || (c >= 9 && c <= 13);
const QUOTE = 34;
const OPEN = 123;
const CLOSE = 125;

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
    const c = s.charCodeAt(i);
    if (isWhite(c)) {
      i++;
      continue;
    }
    if (c === OPEN || c === CLOSE) {
      const brace = c === OPEN ? '{' : '}';
      tokens.push({
        kind: c === OPEN ? 'open' : 'close',
        value: brace,
        raw: brace,
        quoted: false,
        pos: posAt(t, i),
        line,
      });
      i++;
      continue;
    }
    const start = i;
    // A bare word (most of them) is its own text: cut once, not built a character at a time.
    while (i < s.length) {
      const ch = s.charCodeAt(i);
      if (isWhite(ch) || ch === OPEN || ch === CLOSE || ch === QUOTE) break;
      i++;
    }
    if (s.charCodeAt(i) !== QUOTE) {
      const word = s.slice(start, i);
      tokens.push({ kind: 'word', value: word, raw: word, quoted: false, pos: posAt(t, start), line });
      continue;
    }
    let value = s.slice(start, i);
    while (i < s.length) {
      const ch = s[i] as string;
      const code = s.charCodeAt(i);
      if (isWhite(code) || code === OPEN || code === CLOSE) break;
      if (code !== QUOTE) {
        value += ch;
        i++;
        continue;
      }
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
    tokens.push({ kind: 'word', value, raw: s.slice(start, i), quoted: true, pos: posAt(t, start), line });
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
