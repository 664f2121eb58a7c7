/**
 * The Debian package as an operator meets it (root; it installs on this machine and purges at the end, also on
 * failure): `npm run package:deb` builds it, lintian finds no error, dpkg installs it whatever Node the machine has,
 * /usr/bin/vipd runs on the Node it carries, the example configuration passes check-config, systemd-analyze accepts
 * the unit, the unit's own command lines run under each of its hardening options (test/helpers/unit-sandbox.ts) and
 * hold a VIP in a namespace, and a purge leaves nothing of vipd.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/edges/control/client.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { repoRoot } from '../helpers/routers.js';
import { unitSandbox } from '../helpers/unit-sandbox.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const nodeDir = path.dirname(process.execPath);
const run = (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}) =>
  spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeout ?? 120_000,
    env: opts.env ?? process.env,
    cwd: repoRoot,
  });
const explain = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`.slice(-4000);
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format
const installed = () => run('dpkg-query', ['-W', '-f', '${Status}', 'vipd']).stdout.includes('ok installed');
const UNIT = '/usr/lib/systemd/system/vipd.service';
const VIP = '192.0.2.100';

/** What the package may leave behind if a purge forgot something. */
const LEFTOVERS = ['/usr/lib/vipd', '/usr/bin/vipd', '/etc/vipd', UNIT, '/var/cache/vipd', '/run/vipd'];

function packagingMissing(): string | undefined {
  for (const tool of ['dpkg-deb', 'lintian', 'systemd-analyze', 'setpriv', 'unshare', 'prlimit']) {
    if (run('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (installed()) return 'a vipd package is already installed on this machine';
  return undefined;
}

function canRunPackaging(): boolean {
  if (!canRunNetns()) return false;
  const why = packagingMissing();
  if (!why) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but the Debian package tests cannot run: ${why}`);
  console.warn(`skipping the Debian package tests: ${why}`);
  return false;
}

describe.skipIf(!canRunPackaging())('the Debian package', () => {
  let deb = '';
  let lab: Lab | undefined;

  beforeAll(() => {
    // Built with the Node running the tests (the reference line in CI), offline.
    const r = run('npm', ['run', 'package:deb'], {
      env: { ...process.env, PATH: `${nodeDir}:${process.env.PATH}` },
      timeout: 400_000,
    });
    expect(r.status, explain(r)).toBe(0);
    deb = path.join(repoRoot, 'dist', `vipd_${pkg.version}_${run('dpkg', ['--print-architecture']).stdout.trim()}.deb`);
    expect(existsSync(deb)).toBe(true);
  });

  afterAll(() => {
    lab?.destroy();
    if (installed()) run('dpkg', ['--purge', 'vipd']);
    rmSync('/run/vipd', { recursive: true, force: true });
  });

  it('lintian finds no error', () => {
    const r = run('lintian', ['--fail-on', 'error', '--tag-display-limit', '0', deb], { timeout: 300_000 });
    expect(r.status, explain(r)).toBe(0);
    expect(r.stdout).not.toMatch(/^E: /m);
  });

  it('installs with dpkg, runs on the Node it carries, checks its example, and systemd accepts the unit', () => {
    const i = run('dpkg', ['-i', deb]);
    expect(i.status, explain(i)).toBe(0);
    // No node on PATH at all: /usr/bin/vipd runs the one under /usr/lib/vipd/node.
    const bare = { PATH: '/nonexistent' };
    const version = run('/usr/bin/vipd', ['--version'], { env: bare });
    expect(version.status, explain(version)).toBe(0);
    expect(version.stdout.trim()).toBe(`vipd ${pkg.version}`);
    const check = run('/usr/bin/vipd', ['check-config', '-f', '/etc/vipd/vipd.yaml'], { env: bare });
    expect(check.status, explain(check)).toBe(0);
    expect(run('/usr/lib/vipd/node/bin/node', ['--version']).stdout.trim()).toMatch(/^v24\./);
    // Installing starts nothing.
    expect(run('pgrep', ['-f', '/usr/lib/vipd/dist/vipd.js']).status).toBe(1);
    const verify = run('systemd-analyze', ['verify', UNIT]);
    expect(verify.status, explain(verify)).toBe(0);
    expect(verify.stderr).not.toMatch(/vipd\.service/);
    for (const page of ['/usr/share/man/man8/vipd.8.gz', '/usr/share/man/man5/vipd.yaml.5.gz']) {
      const man = run('man', ['-l', page], { env: { ...process.env, MANWIDTH: '100' } });
      expect(man.status, explain(man)).toBe(0);
    }
  });

  it('the emulated sandbox is the one the unit asks for (so the run below proves something)', () => {
    const sandbox = unitSandbox(readFileSync(path.join(repoRoot, 'conf/vipd.service'), 'utf8'));
    const probe =
      'grep -E "^(CapBnd|CapAmb|NoNewPrivs):" /proc/self/status; touch /etc/vipd-sandbox-probe 2>&1; touch /usr/vipd-sandbox-probe 2>&1; echo tmp=$(ls -A /tmp | wc -l)';
    const [cmd, ...args] = sandbox.wrap(['sh', '-c', probe]);
    const r = run(cmd as string, args, { env: { ...process.env, LC_ALL: 'C' } }); // touch's messages in English
    expect(r.status, explain(r)).toBe(0);
    // CAP_CHOWN 0, CAP_DAC_OVERRIDE 1, CAP_KILL 5, CAP_SETGID 6, CAP_SETUID 7, CAP_NET_ADMIN 12, CAP_NET_RAW 13.
    expect(r.stdout).toMatch(/^CapBnd:\s+00000000000030e3$/m);
    expect(r.stdout).toMatch(/^CapAmb:\s+0000000000003000$/m);
    expect(r.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(r.stdout).toMatch(/touch: cannot touch '\/etc\/vipd-sandbox-probe': Read-only file system/);
    expect(r.stdout).toMatch(/touch: cannot touch '\/usr\/vipd-sandbox-probe': Read-only file system/);
    expect(r.stdout).toMatch(/^tmp=0$/m); // a private /tmp
  });

  it("the unit's command lines run under each of its hardening options and hold the example's VIPs", async () => {
    expect(installed()).toBe(true);
    const sandbox = unitSandbox(readFileSync(UNIT, 'utf8'));
    // The example's interface is eth0, which every lab host has.
    lab = Lab.create('deb', ['r1']);
    const l = lab;
    for (const dir of sandbox.directories) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...sandbox.env };
    const split = (line: string | undefined) => (line ?? '').split(/\s+/).filter(Boolean);
    const inLab = (command: string[]) => {
      const [cmd, ...args] = sandbox.wrap(command);
      return l.spawn('r1', cmd as string, args, { env });
    };
    const pre = inLab(split(sandbox.service.get('ExecStartPre')));
    let preOut = '';
    pre.stderr?.on('data', (d: Buffer) => {
      preOut += d.toString();
    });
    expect(await new Promise((resolve) => pre.on('exit', resolve)), preOut).toBe(0);
    const child = inLab(split(sandbox.service.get('ExecStart')));
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    try {
      await waitFor(() => (l.addresses('r1').includes(VIP) ? true : undefined), 20_000, 50, `VIP on r1: ${output}`);
      const status = (await controlRequest('/run/vipd/vipd.sock', { command: 'status' })) as {
        instances: { name: string; state: string }[];
      };
      expect(status.instances.map((i) => [i.name, i.state])).toEqual([['VI_1', 'MASTER']]);
      // The compile cache was written where systemd's CacheDirectory= puts it.
      expect(readdirSync(sandbox.env.CACHE_DIRECTORY as string).length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, output.slice(-3000)).toBe(0);
    expect(l.addresses('r1')).not.toContain(VIP);
    expect(output).not.toMatch(/EPERM|EACCES|EROFS/);
    // ExecStopPost= after a crash: what an announce left (vipd's protocol) goes, under the same sandbox.
    l.exec('r1', 'ip', 'route', 'add', '198.51.100.10/32', 'dev', 'lo', 'proto', '245', 'metric', '4242');
    const post = inLab(split(sandbox.service.get('ExecStopPost')));
    let postOut = '';
    post.stdout?.on('data', (d: Buffer) => {
      postOut += d.toString();
    });
    post.stderr?.on('data', (d: Buffer) => {
      postOut += d.toString();
    });
    expect(await new Promise((resolve) => post.on('exit', resolve)), postOut).toBe(0);
    expect(postOut).toContain("vipd cleanup: 1 route of vipd's removed");
    expect(l.exec('r1', 'ip', 'route', 'show', 'proto', '245')).toBe('');
  }, 60_000);

  it('an upgrade keeps a locally edited configuration (a conffile); removing keeps it too, purging does not', () => {
    const conf = '/etc/vipd/vipd.yaml';
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}# edited here\n`);
    const again = run('dpkg', ['-i', '--force-confold', deb]);
    expect(again.status, explain(again)).toBe(0);
    expect(readFileSync(conf, 'utf8')).toContain('# edited here');
    const remove = run('dpkg', ['--remove', 'vipd']);
    expect(remove.status, explain(remove)).toBe(0);
    expect(existsSync('/usr/bin/vipd')).toBe(false);
    expect(readFileSync(conf, 'utf8')).toContain('# edited here');
  });

  it('a purge removes everything vipd installed, its configuration and its cache', () => {
    const r = run('dpkg', ['--purge', 'vipd']);
    expect(r.status, explain(r)).toBe(0);
    rmSync('/run/vipd', { recursive: true, force: true }); // systemd's RuntimeDirectory= goes when the unit stops
    expect(run('dpkg-query', ['-W', 'vipd']).status).not.toBe(0); // not even its configuration is known to dpkg
    expect(LEFTOVERS.filter((p) => existsSync(p))).toEqual([]);
  });
});
