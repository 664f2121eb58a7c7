/**
 * The real ConfigHost: node:fs for reads and a small glob (Node 20 has no fs.glob). Brace alternatives are
 * expanded first; then each path segment is matched with `*`, `?`, `[...]` against readdirSync, one directory
 * level at a time. Results are sorted, as glob(3) sorts them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { expandBraces, hasMagic, segmentRegExp } from '../core/config/keepalived/glob.js';
import { isAbsolute, resolvePath } from '../core/config/keepalived/paths.js';
import type { ConfigHost } from '../core/config/keepalived/types.js';

export function createFsHost(): ConfigHost {
  return {
    readFile(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    glob(pattern, cwd) {
      const found = new Set<string>();
      for (const p of expandBraces(pattern)) {
        for (const f of walk(isAbsolute(p) ? p : `${cwd}/${p}`)) found.add(f);
      }
      return [...found].sort();
    },
  };
}

function walk(pattern: string): string[] {
  const segs = pattern.split('/');
  let current = [segs[0] === '' ? '/' : '.'];
  const rest = segs[0] === '' ? segs.slice(1) : segs;
  rest.forEach((seg, i) => {
    if (seg === '' || seg === '.') return;
    const last = i === rest.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasMagic(seg)) {
        const p = resolvePath(dir, seg);
        if (exists(p, last)) next.push(p);
        continue;
      }
      const re = segmentRegExp(seg);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const p = resolvePath(dir, name);
        if (re.test(name) && exists(p, last)) next.push(p);
      }
    }
    current = next;
  });
  return current;
}

/** The last segment must be a file; the others directories. */
function exists(path: string, file: boolean): boolean {
  try {
    const st = statSync(path);
    return file ? st.isFile() : st.isDirectory();
  } catch {
    return false;
  }
}
