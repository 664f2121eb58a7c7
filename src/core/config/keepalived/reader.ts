/**
 * The line level of keepalived.conf, in keepalived's order: includes (detected before anything else, so an
 * include line cannot be conditional or use parameters), comments, `@id` / `@^id` conditional lines,
 * `$NAME=value` definitions (multi-line with a trailing `\`), `~SEQ(...)` repetition, then `$NAME` / `${NAME}`
 * substitution (recursive, at use time). The result is a list of logical lines of tokens for syntax.ts.
 *
 * Positions: bare text keeps its own; text substituted from a one-line definition takes the position of the
 * `$` that referenced it; the lines of a multi-line definition keep the positions where they were defined.
 */
/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: keepalived.conf's own ${NAME} syntax, not JS templates */

import { seededRandom } from '../../seeded-random.js';
import { hasMagic as hasMagicPath } from './glob.js';
import { concat, posAt, slice, stripComment, type Text, textAt, textOf, tokenize, trim } from './lexer.js';
import { dirname, resolvePath } from './paths.js';
import type { ConfigIssue, KeepalivedOptions, Pos, Token } from './types.js';

interface Definition {
  /** One entry per line; a one-line definition has exactly one. */
  lines: Text[];
}

interface Ctx {
  file: string;
  depth: number;
}

const MAX_DEPTH = 50;
const MAX_SUBSTITUTIONS = 10000;
const MAX_SEQ = 100000;
const INCLUDE = /^(include[rmwba]?)(\s+|$)/;
const INCLUDE_CHECK = /^include_check(\s+|$)/;

/** keepalived's include checks: which problems with an include are errors rather than skipped files. */
type IncludeCheck = 'readable' | 'match' | 'wildcard_match' | 'brace_match';
const ALL_CHECKS: readonly IncludeCheck[] = ['readable', 'match', 'wildcard_match', 'brace_match'];
/** What each include variant adds to the current include_check level. */
const VARIANT_CHECKS: Readonly<Record<string, readonly IncludeCheck[]>> = {
  include: [],
  includer: ['readable'],
  includem: ['match'],
  includew: ['wildcard_match'],
  includeb: ['brace_match'],
  includea: ALL_CHECKS,
};
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * A line the line level leaves as it is (after its comment is cut): no parameter, definition, conditional,
 * sequence, quote or backslash, not an include, and ASCII only (the line level's trim takes Unicode spaces too).
 */
const LINE_LEVEL = /[$@~"\\\u0080-\uffff]|^\s*include/;
const isPlain = (s: string) => !LINE_LEVEL.test(s);

export interface ReadResult {
  lines: Token[][];
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function readKeepalived(text: string, file: string, opts: KeepalivedOptions): ReadResult {
  return new Reader(opts).run(text, file);
}

class Reader {
  readonly lines: Token[][] = [];
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  private readonly defs = new Map<string, Definition>();
  private readonly includeStack: string[] = [];
  /** The include_check level: saved when a file is opened and restored when it is closed (keepalived). */
  private includeChecks = new Set<IncludeCheck>();
  private substitutions = 0;
  /** The ${_RANDOM} source once a random_seed line was read. */
  private seeded: (() => number) | undefined;
  private seqCount = 0;

  constructor(private readonly opts: KeepalivedOptions) {}

  run(text: string, file: string): ReadResult {
    this.readFile(text, file);
    return { lines: this.lines, errors: this.errors, warnings: this.warnings };
  }

  private error(pos: Pos, message: string): void {
    this.errors.push({ ...pos, message });
  }

  private warn(pos: Pos, message: string): void {
    this.warnings.push({ ...pos, message });
  }

  /** keepalived's leniency (see ConfigIssue.lenient). */
  private lenient(pos: Pos, message: string): void {
    this.warnings.push({ ...pos, message, lenient: true });
  }

  private readFile(text: string, file: string): void {
    this.includeStack.push(file);
    const savedChecks = new Set(this.includeChecks);
    const physical = text.split(/\r\n|\n|\r/);
    let pending: { name: string; lines: Text[] } | undefined;
    for (let n = 0; n < physical.length; n++) {
      const line = stripComment(textOf(physical[n] as string, file, n + 1));
      if (pending) {
        const t = trim(line);
        const more = t.s.endsWith('\\');
        const body = more ? trim(slice(t, 0, t.s.length - 1)) : t;
        if (body.s.length > 0) pending.lines.push(body);
        if (!more) {
          this.defs.set(pending.name, { lines: pending.lines });
          pending = undefined;
        }
        continue;
      }
      if (isPlain(line.s)) {
        // Most lines of a large file: words and braces only, nothing for the line level to do.
        if (/\S/.test(line.s)) this.pushLine(line);
        continue;
      }
      const t = trim(line);
      if (t.s.length === 0) continue;
      const check = INCLUDE_CHECK.exec(t.s);
      if (check) {
        this.includeCheck(t, slice(t, check[0].length).s);
        continue;
      }
      const inc = INCLUDE.exec(t.s);
      if (inc) {
        this.include(t, inc[1] as string, trim(slice(t, inc[0].length)), file);
        continue;
      }
      const started = this.processLine(t, { file, depth: 0 }, true);
      if (started) pending = started;
    }
    if (pending) this.defs.set(pending.name, { lines: pending.lines });
    this.includeStack.pop();
    this.includeChecks = savedChecks;
  }

  /** `include_check [OPTIONS]`: none means all; `+x` adds, `-x` removes, a bare word adds. */
  private includeCheck(line: Text, args: string): void {
    const words = args.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      this.includeChecks = new Set(ALL_CHECKS);
      return;
    }
    for (const w of words) {
      const name = w.replace(/^[+-]/, '') as IncludeCheck;
      if (!ALL_CHECKS.includes(name)) {
        this.error(
          posAt(line, 0),
          `include_check: unknown check ${name} (readable, match, wildcard_match, brace_match)`,
        );
        continue;
      }
      if (w.startsWith('-')) this.includeChecks.delete(name);
      else this.includeChecks.add(name);
    }
  }

  private include(line: Text, keyword: string, arg: Text, file: string): void {
    const at = posAt(line, 0);
    let pattern = arg.s;
    if (pattern.length >= 2 && pattern.startsWith('"') && pattern.endsWith('"')) pattern = pattern.slice(1, -1);
    if (pattern.length === 0) {
      this.error(at, `${keyword} needs a file name or pattern`);
      return;
    }
    const cwd = dirname(file);
    const checks = new Set([...this.includeChecks, ...(VARIANT_CHECKS[keyword] ?? [])]);
    // match, wildcard_match and brace_match include the readable check (keepalived).
    if (checks.size > 0) checks.add('readable');
    let files: string[];
    if (hasMagicPath(pattern)) {
      files = this.opts.host.glob(pattern, cwd);
      if (files.length === 0) {
        const strict = checks.has('wildcard_match') || (checks.has('brace_match') && pattern.includes('{'));
        if (strict) this.error(at, `${keyword} ${pattern}: no file matches (include_check)`);
        else this.warn(at, `${keyword} ${pattern}: no file matches (skipped, as keepalived does)`);
        return;
      }
    } else files = [resolvePath(cwd, pattern)];
    for (const path of files) {
      if (this.includeStack.includes(path)) {
        const chain = [...this.includeStack.slice(this.includeStack.indexOf(path)), path].join(' -> ');
        this.error(at, `include loop: ${chain}`);
        continue;
      }
      const text = this.opts.host.readFile(path);
      if (text === undefined) {
        const strict = checks.has('readable') || (checks.has('match') && !hasMagicPath(pattern));
        if (strict) this.error(at, `${keyword} ${path}: cannot read the file (include_check)`);
        else this.warn(at, `${keyword} ${path}: cannot read the file (skipped, as keepalived does)`);
        continue;
      }
      this.readFile(text, path);
    }
  }

  /**
   * Handles one logical line. Returns a multi-line definition that has just been opened (only for a physical
   * line of a file, `top`), which the caller fills with the following lines.
   */
  private processLine(
    input: Text,
    ctx: Ctx,
    top: boolean,
    substituted = false,
  ): { name: string; lines: Text[] } | undefined {
    let t = trim(input);
    if (t.s.length === 0) return undefined;
    if (ctx.depth > MAX_DEPTH) {
      this.error(posAt(t, 0), 'parameter expansion nests too deeply (a definition that uses itself?)');
      return undefined;
    }
    // @id / @^id
    if (t.s.startsWith('@')) {
      const m = /^@(\^?)([^\s]*)/.exec(t.s) as RegExpExecArray;
      const negate = m[1] === '^';
      const id = m[2] as string;
      if (id.length === 0) {
        this.error(posAt(t, 0), `${m[0]} must be followed directly by a config id (as in @high)`);
        return undefined;
      }
      const matches = id === (this.opts.configId ?? '');
      if (matches === negate) return undefined;
      t = trim(slice(t, m[0].length));
      if (t.s.length === 0) return undefined;
    }
    // $NAME=value
    const def = /^\$([A-Za-z_][A-Za-z0-9_]*)=/.exec(t.s);
    if (def) {
      const name = def[1] as string;
      const value = trim(slice(t, def[0].length));
      if (value.s.endsWith('\\')) {
        const first = trim(slice(value, 0, value.s.length - 1));
        if (top) return { name, lines: first.s.length > 0 ? [first] : [] };
        this.defs.set(name, { lines: [first] });
        return undefined;
      }
      this.defs.set(name, { lines: [value] });
      return undefined;
    }
    if (/^\$[A-Za-z_][A-Za-z0-9_]*\s+=/.test(t.s)) {
      this.error(posAt(t, 0), 'a definition has no space before "=": write $NAME=VALUE');
      return undefined;
    }
    // ~SEQ(var, start, step, end) rest
    if (t.s.startsWith('~')) {
      this.sequence(t, ctx);
      return undefined;
    }
    if (!substituted) {
      const r = this.substitute(t, ctx);
      if (r.kind === 'multi') {
        for (const l of r.lines) this.processLine(l, { ...ctx, depth: ctx.depth + 1 }, false);
        return undefined;
      }
      if (r.text.s !== t.s) {
        this.processLine(r.text, { ...ctx, depth: ctx.depth + 1 }, false, true);
        return undefined;
      }
    }
    this.pushLine(t);
    return undefined;
  }

  /** A logical line with nothing left for the line level: its tokens, for syntax.ts. */
  private pushLine(t: Text): void {
    const line = tokenize(t, this.lines.length, this.errors);
    // keepalived's random_seed: the ${_RANDOM}s after it repeat from one load to the next.
    const [kw, seed] = line;
    if (kw?.value === 'random_seed' && seed && /^\d+$/.test(seed.value)) this.seeded = seededRandom(Number(seed.value));
    this.lines.push(line);
  }

  private sequence(t: Text, ctx: Ctx): void {
    const at = posAt(t, 0);
    const m = /^~(SEQx?|LST)\(/.exec(t.s);
    const what = `~${m?.[1] ?? ''}`;
    if (!m) {
      this.error(at, 'a line starting with ~ must be ~SEQ(var, start, step, end) or ~SEQx(...)');
      return;
    }
    if (m[1] === 'LST') {
      this.list(t, m[0].length, ctx);
      return;
    }
    const close = t.s.indexOf(')', m[0].length);
    if (close < 0) {
      this.error(at, `${what}( is not closed: missing )`);
      return;
    }
    const hex = m[1] === 'SEQx';
    const args = t.s
      .slice(m[0].length, close)
      .split(',')
      .map((a) => a.trim());
    const usage = `${what}(var, start, step, end) needs 2 to 4 arguments: var and end, optionally start and step`;
    if (args.length < 2 || args.length > 4) {
      this.error(at, usage);
      return;
    }
    const name = args[0] as string;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      this.error(at, `${what}: ${JSON.stringify(name)} is not a variable name`);
      return;
    }
    const nums: number[] = [];
    for (const a of args.slice(1)) {
      const v = /^[-+]?(0x[0-9a-fA-F]+|\d+)$/.test(a)
        ? Number.parseInt(a, a.replace(/^[-+]/, '').startsWith('0x') ? 16 : 10)
        : Number.NaN;
      if (Number.isNaN(v)) {
        this.error(at, `${what}: ${JSON.stringify(a)} is not a whole number`);
        return;
      }
      nums.push(v);
    }
    let start: number;
    let step: number;
    let end: number;
    if (nums.length === 1) {
      end = nums[0] as number;
      start = end >= 0 ? 1 : -1;
      step = end >= start ? 1 : -1;
    } else if (nums.length === 2) {
      [start, end] = nums as [number, number];
      step = end >= start ? 1 : -1;
    } else [start, step, end] = nums as [number, number, number];
    if (step === 0 || (step > 0 && start > end) || (step < 0 && start < end)) {
      this.error(at, `${what}: step ${step} never goes from ${start} to ${end}`);
      return;
    }
    const count = Math.floor((end - start) / step) + 1;
    this.seqCount += count;
    if (this.seqCount > MAX_SEQ) {
      this.error(at, `${what} repeats lines more than ${MAX_SEQ} times`);
      return;
    }
    const rest = slice(t, close + 1);
    const saved = this.defs.get(name);
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      const text = hex ? (v < 0 ? `-${(-v).toString(16)}` : v.toString(16)) : String(v);
      this.defs.set(name, { lines: [textAt(text, at)] });
      this.processLine(rest, { ...ctx, depth: ctx.depth + 1 }, false);
    }
    if (saved) this.defs.set(name, saved);
    else this.defs.delete(name);
  }

  /**
   * `~LST(var, v1, v2, ...)` or `~LST({A, B}, {a1, b1}, {a2, b2})`: the rest of the line once per value (or
   * tuple), the variables set to it.
   */
  private list(t: Text, open: number, ctx: Ctx): void {
    const at = posAt(t, 0);
    // The closing parenthesis of ~LST(: the first ')' outside braces.
    let depth = 0;
    let close = -1;
    for (let i = open; i < t.s.length && close < 0; i++) {
      const c = t.s[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === ')' && depth === 0) close = i;
    }
    if (close < 0) {
      this.error(at, '~LST( is not closed: missing )');
      return;
    }
    // Top-level items: words, or {..} groups.
    const items: string[][] = [];
    for (const raw of t.s.slice(open, close).match(/\{[^}]*\}|[^,{}]+/g) ?? []) {
      const item = raw.trim();
      if (item.length === 0) continue;
      items.push(
        item.startsWith('{')
          ? item
              .slice(1, -1)
              .split(',')
              .map((x) => x.trim())
          : [item],
      );
    }
    const [names, ...values] = items;
    const usage = '~LST(var, value, ...) or ~LST({var, var}, {value, value}, ...)';
    if (!names || values.length === 0) {
      this.error(at, `${usage}: it needs variables and at least one value`);
      return;
    }
    for (const n of names) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) {
        this.error(at, `~LST: ${JSON.stringify(n)} is not a variable name`);
        return;
      }
    }
    if (values.some((v) => v.length !== names.length)) {
      this.error(at, `~LST: each value needs ${names.length} part(s), one per variable`);
      return;
    }
    this.seqCount += values.length;
    if (this.seqCount > MAX_SEQ) {
      this.error(at, `~LST repeats lines more than ${MAX_SEQ} times`);
      return;
    }
    const rest = slice(t, close + 1);
    const saved = names.map((n) => this.defs.get(n));
    for (const v of values) {
      names.forEach((n, i) => {
        const text = v[i] as string;
        this.defs.set(n, { lines: [textAt(text, at)] });
      });
      this.processLine(rest, { ...ctx, depth: ctx.depth + 1 }, false);
    }
    names.forEach((n, i) => {
      const old = saved[i];
      if (old) this.defs.set(n, old);
      else this.defs.delete(n);
    });
  }

  /** Replaces $NAME / ${NAME}; stops at a multi-line definition and returns the lines it makes. */
  private substitute(t: Text, ctx: Ctx): { kind: 'one'; text: Text } | { kind: 'multi'; lines: Text[] } {
    let cur = t;
    let quoted = false;
    let i = 0;
    while (i < cur.s.length) {
      const c = cur.s[i];
      if (quoted && c === '\\') {
        i += 2;
        continue;
      }
      if (c === '"') quoted = !quoted;
      if (c !== '$') {
        i++;
        continue;
      }
      const at = posAt(cur, i);
      let name: string;
      let refEnd: number;
      let arg: string | undefined;
      if (cur.s[i + 1] === '{') {
        const close = cur.s.indexOf('}', i + 2);
        if (close < 0) {
          this.error(at, '${ is not closed: missing }');
          return { kind: 'one', text: slice(cur, 0, i) }; // drop the rest: its { is no block
        }
        const inner = cur.s.slice(i + 2, close).trim();
        const sp = inner.search(/\s/);
        name = sp < 0 ? inner : inner.slice(0, sp);
        arg = sp < 0 ? undefined : inner.slice(sp).trim();
        refEnd = close + 1;
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          this.error(at, `\${${inner}} is not a parameter name`);
          i = refEnd;
          continue;
        }
      } else {
        const m = IDENT.exec(cur.s.slice(i + 1));
        if (!m) {
          i++;
          continue; // a lone $ (or $1 in a script) stays as written
        }
        name = m[0];
        refEnd = i + 1 + name.length;
      }
      const value = this.lookup(name, arg, at, ctx);
      if (value === undefined) {
        const ref = cur.s.slice(i, refEnd);
        // keepalived leaves an undefined $NAME as written, quoted or not.
        this.lenient(at, `${ref} is not defined; kept as written (as keepalived 2.2.7 does)`);
        i = refEnd;
        continue;
      }
      if (++this.substitutions > MAX_SUBSTITUTIONS) {
        this.error(at, 'parameter substitution does not end (a definition that uses itself?)');
        return { kind: 'one', text: cur };
      }
      const before = slice(cur, 0, i);
      const after = slice(cur, refEnd);
      if (value.lines.length === 1) {
        const v = value.lines[0] as Text;
        const replaced = textAt(v.s, at);
        cur = concat(concat(before, replaced), after);
        continue; // rescan from i: the value may itself hold references
      }
      const lines = value.lines.map((l) => l);
      if (lines.length === 0) return { kind: 'multi', lines: [concat(before, after)] };
      lines[0] = concat(before, lines[0] as Text);
      lines[lines.length - 1] = concat(lines[lines.length - 1] as Text, after);
      return { kind: 'multi', lines };
    }
    return { kind: 'one', text: cur };
  }

  private lookup(name: string, arg: string | undefined, at: Pos, ctx: Ctx): Definition | undefined {
    const one = (s: string): Definition => ({ lines: [textAt(s, at)] });
    switch (name) {
      case '_PWD':
        return one(dirname(ctx.file));
      case '_INSTANCE':
        return one(this.opts.configId ?? '');
      case '_HASH':
        return one('#');
      case '_BANG':
        return one('!');
      case '_ENV': {
        if (!arg) {
          this.error(at, '${_ENV VAR} needs the name of an environment variable');
          return one('');
        }
        const v = this.opts.env?.[arg];
        if (v === undefined) this.warn(at, `\${_ENV ${arg}}: the environment variable ${arg} is not set; using ""`);
        return one(v ?? '');
      }
      case '_RANDOM': {
        // ${_RANDOM [MIN [MAX]]}: a whole number in [MIN, MAX] (0 and 32767 by default).
        const [lo = '0', hi = '32767', ...more] = (arg ?? '').trim().split(/\s+/).filter(Boolean);
        const min = Number(lo);
        const max = Number(hi);
        if (more.length > 0 || !/^\d+$/.test(lo) || !/^\d+$/.test(hi) || max < min) {
          this.error(at, '${_RANDOM [MIN [MAX]]} takes two whole numbers, MIN no more than MAX');
          return one('');
        }
        // The core reads no clock and no entropy: the caller gives the random source (the config edge does).
        const random = this.seeded ?? this.opts.random;
        if (!random) {
          this.error(at, '${_RANDOM} needs a random source, and this reader was given none');
          return one('');
        }
        return one(String(min + Math.floor(random() * (max - min + 1))));
      }
      default:
        return this.defs.get(name);
    }
  }
}
