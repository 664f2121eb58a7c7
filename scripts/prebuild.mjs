// The prebuilt addon shipped in the npm package and the Debian package: native/prebuilds/linux-x64/, made by
// prebuildify (N-API, so one build serves every Node line vipd supports) against the headers of the running Node,
// offline (npm_config_nodedir: node-gyp downloads no headers). node-gyp-build loads it when no local build exists.
// prebuildify builds in a copy of native/ (dist/addon-prebuild), since it moves the built file out of its build/:
// the checkout's own native/build stays as `npm ci` made it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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
const work = path.join(root, 'dist/addon-prebuild');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const f of readdirSync(path.join(root, 'native'))) {
  if (/\.(cc|h|gyp)$/.test(f)) cpSync(path.join(root, 'native', f), path.join(work, f));
}
const prebuildify = path.join(root, 'node_modules/prebuildify/bin.js');
const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--name', 'vipd_native'], {
  cwd: work,
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir },
});
if (r.status !== 0) process.exit(r.status ?? 1);
rmSync(path.join(root, 'native/prebuilds'), { recursive: true, force: true });
cpSync(path.join(work, 'prebuilds'), path.join(root, 'native/prebuilds'), { recursive: true });
rmSync(work, { recursive: true, force: true });
