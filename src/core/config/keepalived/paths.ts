/** POSIX path helpers for the pure reader (node:path stays out of src/core). */

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return p.slice(0, i);
}

/** Joins and normalises (`.`, `..`, repeated slashes); an absolute `rel` wins. */
export function resolvePath(base: string, rel: string): string {
  const joined = isAbsolute(rel) ? rel : `${base}/${rel}`;
  const abs = isAbsolute(joined);
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const body = out.join('/');
  return abs ? `/${body}` : body || '.';
}
