// The addon at install time. An installed package (from `npm pack`, with native/prebuilds/) uses its prebuilt
// addon when it loads here, so no compiler is needed; a checkout (a git work tree) or a machine the prebuild does
// not fit compiles with node-gyp against the headers of the running Node, so no header download is attempted (the
// machine is offline apart from registries).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');

/** The prebuilt addon for this platform, when there is one and it loads. */
function loadablePrebuild() {
  const dir = path.join(nativeDir, 'prebuilds', `${process.platform}-${process.arch}`);
  if (existsSync(path.join(root, '.git')) || !existsSync(dir)) return undefined;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.node'))) {
    try {
      createRequire(import.meta.url)(path.join(dir, file));
      return path.join(dir, file);
    } catch (err) {
      console.error(`the prebuilt addon ${file} does not load here (${err.message}): compiling instead`);
    }
  }
  return undefined;
}

const prebuilt = loadablePrebuild();
if (prebuilt) {
  console.log(`vipd: using the prebuilt addon ${path.relative(root, prebuilt)}`);
  process.exit(0);
}
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
// npm_config_nodedir too: an npmrc's nodedir (some machines set one) would otherwise win over the flag.
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `--directory=${nativeDir}`], {
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir },
});
process.exit(r.status ?? 1);
