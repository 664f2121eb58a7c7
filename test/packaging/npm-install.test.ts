/**
 * The npm package installs on a load-balancer host with no compiler: `npm pack` (its prepack builds the bundle and
 * the prebuilt addon), then `npm install -g` of the tarball into a scratch prefix with cc, gcc, g++, c++, make and
 * python3 on PATH all failing. The prebuilt addon is used (no native/build appears), and `vipd --version` and
 * `vipd check-config` work from the installed copy.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/routers.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const nodeDir = path.dirname(process.execPath);
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python'];

describe('npm install without a compiler', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'vipd-npm-install-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the packed tarball installs with the prebuilt addon, and vipd runs', () => {
    const env = { ...process.env, PATH: `${nodeDir}:${process.env.PATH}` };
    const pack = spawnSync('npm', ['pack', '--pack-destination', work], {
      cwd: repoRoot,
      encoding: 'utf8',
      env,
      timeout: 400_000,
    });
    expect(pack.status, pack.stderr.slice(-3000)).toBe(0);
    const tarball = path.join(work, `vipd-${pkg.version}.tgz`);
    expect(existsSync(tarball)).toBe(true);
    const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout;
    expect(list).toMatch(/^package\/native\/prebuilds\/linux-x64\/vipd_native\.node$/m);
    expect(list).toMatch(/^package\/dist\/vipd\.js$/m);

    // Every compiler and build tool fails loudly, ahead of the real ones on PATH.
    const noTools = path.join(work, 'no-compiler');
    spawnSync('mkdir', ['-p', noTools]);
    for (const tool of COMPILERS) {
      writeFileSync(path.join(noTools, tool), `#!/bin/sh\necho "${tool}: no compiler on this host" >&2\nexit 127\n`);
      chmodSync(path.join(noTools, tool), 0o755);
    }
    const prefix = path.join(work, 'prefix');
    const bare = { ...process.env, PATH: `${noTools}:${nodeDir}:/usr/sbin:/usr/bin:/sbin:/bin` };
    expect(spawnSync('g++', ['--version'], { env: bare, encoding: 'utf8' }).status).toBe(127);
    const install = spawnSync(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--foreground-scripts',
        tarball,
      ],
      { encoding: 'utf8', env: bare, timeout: 400_000 },
    );
    expect(install.status, `${install.stdout}\n${install.stderr}`.slice(-4000)).toBe(0);
    expect(install.stdout).toMatch(/vipd: using the prebuilt addon native\/prebuilds\/linux-x64\/vipd_native\.node/);
    const installed = path.join(prefix, 'lib/node_modules/vipd');
    expect(existsSync(path.join(installed, 'native/build'))).toBe(false);

    const vipd = path.join(prefix, 'bin/vipd');
    const version = spawnSync(vipd, ['--version'], { env: bare, encoding: 'utf8' });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(`vipd ${pkg.version}`);
    const check = spawnSync(vipd, ['check-config', '-f', path.join(installed, 'conf/vipd.example.yaml')], {
      env: bare,
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/configuration OK/);
  });
});
