// Builds the native addon with node-gyp against the headers of the running Node,
// so no header download is attempted (the machine is offline apart from registries).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
if (!existsSync(path.join(nativeDir, 'binding.gyp'))) {
  console.error('native/binding.gyp not found');
  process.exit(1);
}
const nodedir = path.resolve(process.execPath, '../..');
// npm tells its scripts where its bundled node-gyp is; run by hand, look for it beside npm.
const bundled = path.resolve(process.execPath, '../../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : undefined);
if (!gyp) {
  console.error('node-gyp not found: run `npm run install`, or install node-gyp');
  process.exit(1);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `--directory=${nativeDir}`], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
