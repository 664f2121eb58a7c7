/**
 * The glob of keepalived's `include` (glob(3) with GLOB_BRACE): `{a,b}` brace expansion first (it may span
 * `/`), then per path segment `*`, `?` and `[...]` (`[!...]` / `[^...]` negate), never matching `/`; a leading
 * `.` is matched only explicitly. Pure: src/edges/config-host.ts walks directories with it, tests match in-memory paths.
 */

/** True when the pattern needs globbing rather than a plain read. */
export function hasMagic(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/** csh-style brace expansion: `a{b,c{d,e}}f` → abf, acdf, acef. An unbalanced brace is kept literally. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const alternatives = splitTopLevel(pattern.slice(start + 1, i));
        const head = pattern.slice(0, start);
        const tail = pattern.slice(i + 1);
        return alternatives.flatMap((alt) => expandBraces(head + alt + tail));
      }
    }
  }
  return [pattern];
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\' && i + 1 < body.length) {
      cur += c + body[i + 1];
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** A RegExp for one path segment (no `/`, no braces). */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '\\' && i + 1 < segment.length) {
      re += escapeRe(segment[++i] as string);
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, close);
        let neg = '';
        if (body.startsWith('!') || body.startsWith('^')) {
          neg = '^';
          body = body.slice(1);
        }
        re += `[${neg}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = close;
      }
    } else re += escapeRe(c);
  }
  const dotOk = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${dotOk}${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Whether `path` matches `pattern` (both absolute or both relative, compared segment by segment). */
export function globMatch(pattern: string, path: string): boolean {
  const target = path.split('/');
  return expandBraces(pattern).some((p) => {
    const segs = p.split('/');
    return segs.length === target.length && segs.every((s, i) => segmentRegExp(s).test(target[i] as string));
  });
}
