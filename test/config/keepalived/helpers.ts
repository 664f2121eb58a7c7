import { globMatch } from '../../../src/core/config/keepalived/glob.js';
import { isAbsolute, resolvePath } from '../../../src/core/config/keepalived/paths.js';
import type { ConfigHost } from '../../../src/core/config/keepalived/types.js';
import type { ConfigIssue } from '../../../src/core/config/model.js';

/** An in-memory file system: absolute path → text. */
export function memHost(files: Record<string, string>): ConfigHost {
  return {
    readFile: (path) => files[path],
    glob: (pattern, cwd) => {
      const abs = isAbsolute(pattern) ? pattern : `${cwd}/${pattern}`;
      const norm = resolvePath('/', abs.replace(/\/+/g, '/'));
      return Object.keys(files)
        .filter((f) => globMatch(norm, f))
        .sort();
    },
  };
}

export const fmt = (i: ConfigIssue) => `${i.file}:${i.line}:${i.col}: ${i.message}`;
