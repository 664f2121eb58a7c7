// The prebuilt addon shipped in the npm package and the Debian package: native/prebuilds/linux-x64/, made by
// prebuildify (N-API, so one build serves every Node line vipd supports) against the headers of the running Node,
// offline (npm_config_nodedir: node-gyp downloads no headers). node-gyp-build loads it when no local build exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nodedir = path.resolve(process.execPath, '../..');
if (!existsSync(path.join(nodedir, 'include/node/node_api.h'))) {
  console.error(
    `no Node headers under ${nodedir}/include/node: run with an official Node build (scripts/node-runtime.mjs)`,
  );
  process.exit(1);
}
const prebuildify = path.join(root, 'node_modules/prebuildify/bin.js');
const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--name', 'vipd_native'], {
  cwd: path.join(root, 'native'),
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir },
});
process.exit(r.status ?? 1);
