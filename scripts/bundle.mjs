/**
 * The shipped executable: dist/vipd.js, vipd and its pure-JS dependencies bundled, each CLI command in a chunk of
 * its own (dist/vipd-*.js, loaded when the command runs, so `vipd --version` loads almost nothing), and the check
 * thread's entry at the path the daemon starts it from (dist/checks/worker-main.js, beside the chunks). Loading a
 * few files instead of some two hundred modules takes about 150 ms off start-up (scripts/bench.ts). Packages with
 * native code (netlink, node-gyp-build) and pino-pretty (only for a terminal) stay in node_modules.
 * Run after tsc (`npm run build`).
 */
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// CommonJS packages inside an ES module bundle still ask for require, __filename and __dirname.
const banner = [
  "import { createRequire as __vipdCreateRequire } from 'node:module';",
  "import { fileURLToPath as __vipdFileURLToPath } from 'node:url';",
  "import { dirname as __vipdDirname } from 'node:path';",
  'const require = __vipdCreateRequire(import.meta.url);',
  'const __filename = __vipdFileURLToPath(import.meta.url);',
  'const __dirname = __vipdDirname(__filename);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: ['netlink', 'node-gyp-build', 'pino-pretty'],
  banner: { js: banner },
  legalComments: 'none',
  logLevel: 'warning',
};

for (const f of readdirSync('dist', { withFileTypes: true })) {
  if (f.isFile() && f.name.startsWith('vipd-')) rmSync(`dist/${f.name}`); // chunks of an earlier build
}
await build({
  ...common,
  entryPoints: { vipd: 'src/cli.ts', 'checks/worker-main': 'src/edges/checks/worker-main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'vipd-[name]-[hash]',
});
