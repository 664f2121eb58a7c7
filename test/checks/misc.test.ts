import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkScriptSecurity,
  type MiscCheckSpec,
  miscProbe,
  probe,
  scriptOutcome,
  withDefaults,
} from '../../src/edges/checks/index.js';
import { alive, expectNoLeaks, snapshot, waitFor } from './helpers.js';

let dir: string;
const isRoot = process.getuid?.() === 0;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vipd-checks-misc-'));
  chmodSync(dir, 0o755); // root-owned, not writable by others: secure, and usable by 'nobody'
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string, mode = 0o755): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

async function run(argv: string[], o: Partial<MiscCheckSpec> = {}, signal?: AbortSignal) {
  const before = snapshot();
  const r = await miscProbe(
    withDefaults({ type: 'MISC_CHECK', miscPath: argv, miscTimeoutMs: 5000, killGraceMs: 300, ...o }),
    signal,
  );
  await expectNoLeaks(before);
  return r;
}

const readPid = (f: string) => Number(readFileSync(path.join(dir, f), 'utf8').trim());

describe('MISC_CHECK / vrrp_script', () => {
  it('exit 0 is ok, exit 1 fails, arguments are passed as argv', async () => {
    const s = script('exit-arg.sh', 'exit "$1"');
    const ok = await run([s, '0']);
    expect(ok).toMatchObject({ ok: true, reason: 'ok' });
    expect(ok.dynamicWeight).toBeUndefined();
    expect(await run([s, '1'])).toMatchObject({ ok: false, reason: 'exit 1' });
    expect(await run([s, '3'])).toMatchObject({ ok: false, reason: 'exit 3' });
    const spaced = script('spaced.sh', '[ "$1" = "two words" ]');
    expect(await run([spaced, 'two words'])).toMatchObject({ ok: true });
  });

  it('misc_dynamic: exit 2..255 is ok with weight status - 2; exit 1 fails; exit 0 keeps the weight', async () => {
    const s = script('dyn.sh', 'exit "$1"');
    expect(await run([s, '2'], { miscDynamic: true })).toMatchObject({ ok: true, dynamicWeight: 0 });
    expect(await run([s, '12'], { miscDynamic: true })).toMatchObject({ ok: true, dynamicWeight: 10 });
    expect(await run([s, '255'], { miscDynamic: true })).toMatchObject({ ok: true, dynamicWeight: 253 });
    expect(await run([s, '1'], { miscDynamic: true })).toMatchObject({ ok: false, reason: 'exit 1' });
    const zero = await run([s, '0'], { miscDynamic: true });
    expect(zero).toMatchObject({ ok: true });
    expect(zero.dynamicWeight).toBeUndefined();
  });

  it('a timeout fails the run and kills the script and its children (process group)', async () => {
    const s = script(
      'sleeper.sh',
      `echo $$ > '${dir}/sleeper.pid'; sleep 30 & echo $! > '${dir}/sleeper-child.pid'; wait`,
    );
    const t0 = performance.now();
    const r = await run([s], { miscTimeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(2000);
    const pids = [readPid('sleeper.pid'), readPid('sleeper-child.pid')];
    expect(await waitFor(() => pids.every((p) => !alive(p)), 2000)).toBe(true);
  });

  it('a script ignoring SIGTERM is SIGKILLed after the grace period, still a timeout', async () => {
    const s = script(
      'stubborn.sh',
      `trap '' TERM; echo $$ > '${dir}/stubborn.pid'; sleep 30 & echo $! > '${dir}/stubborn-child.pid'; wait`,
    );
    const t0 = performance.now();
    const r = await run([s], { miscTimeoutMs: 200, killGraceMs: 200 });
    const took = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(3000);
    const pids = [readPid('stubborn.pid'), readPid('stubborn-child.pid')];
    expect(await waitFor(() => pids.every((p) => !alive(p)), 2000)).toBe(true);
  });

  it("a script killed by a signal fails with 'killed by SIGKILL'", async () => {
    const s = script('suicide.sh', 'kill -KILL $$');
    expect(await run([s])).toMatchObject({ ok: false, reason: 'killed by SIGKILL' });
  });

  it('a missing or non-executable script fails, never throws', async () => {
    expect(await run([path.join(dir, 'does-not-exist.sh')])).toMatchObject({ ok: false, reason: 'exec: ENOENT' });
    const noexec = script('noexec.sh', 'exit 0', 0o644);
    expect(await run([noexec])).toMatchObject({ ok: false, reason: 'exec: EACCES' });
    expect(await probe({ type: 'MISC_CHECK', miscPath: [] })).toMatchObject({
      ok: false,
      reason: 'bad spec: MISC_CHECK: empty misc_path',
    });
  });

  it.skipIf(!isRoot)('runs as the given user and group (script_user)', async () => {
    const s = script('whoami.sh', '[ "$(id -u)" = 65534 ] && [ "$(id -g)" = 65534 ]');
    expect(await run([s], { uid: 65534, gid: 65534 })).toMatchObject({ ok: true });
    expect(await run([s])).toMatchObject({ ok: false, reason: 'exit 1' });
  });

  it("an abort terminates the script and resolves 'aborted' once it is gone", async () => {
    const s = script('aborted.sh', `echo $$ > '${dir}/aborted.pid'; sleep 30 & wait`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await run([s], {}, ac.signal);
    expect(r).toMatchObject({ ok: false, reason: 'aborted' });
    expect(alive(readPid('aborted.pid'))).toBe(false);
  });

  it('scriptOutcome maps every runScript result', () => {
    const base = { code: null, signal: null, timedOut: false, durationMs: 1 };
    expect(scriptOutcome({ ...base, code: 0 }, false)).toEqual({ ok: true, reason: 'ok' });
    expect(scriptOutcome({ ...base, code: 2 }, false)).toEqual({ ok: false, reason: 'exit 2' });
    expect(scriptOutcome({ ...base, code: 7 }, true)).toEqual({ ok: true, reason: 'ok', dynamicWeight: 5 });
    expect(scriptOutcome({ ...base, signal: 'SIGTERM', timedOut: true }, false)).toEqual({
      ok: false,
      reason: 'timeout',
    });
    expect(scriptOutcome({ ...base, signal: 'SIGSEGV' }, false)).toEqual({ ok: false, reason: 'killed by SIGSEGV' });
    expect(scriptOutcome({ ...base, error: { code: 'EPERM', message: 'x' } }, false)).toEqual({
      ok: false,
      reason: 'exec: EPERM',
    });
  });
});

describe('checkScriptSecurity (enable_script_security)', () => {
  it('accepts a root-owned script in root-owned, non-writable directories (a sticky /tmp is fine)', () => {
    const s = script('secure.sh', 'exit 0');
    expect(checkScriptSecurity(s)).toBeUndefined();
  });

  it('refuses a script in a world-writable directory', () => {
    const d = path.join(dir, 'open');
    mkdirSync(d);
    chmodSync(d, 0o777);
    const s = path.join(d, 'x.sh');
    writeFileSync(s, '#!/bin/sh\n');
    chmodSync(s, 0o755);
    expect(checkScriptSecurity(s)).toBe(`${d} is world-writable`);
    chmodSync(d, 0o1777); // sticky: keepalived allows it
    expect(checkScriptSecurity(s)).toBeUndefined();
    chmodSync(d, 0o755);
  });

  it('refuses a world-writable script, or one writable by a non-root group', () => {
    const s = script('ww.sh', 'exit 0', 0o757);
    chmodSync(s, 0o757);
    expect(checkScriptSecurity(s)).toBe(`${s} is world-writable`);
    chmodSync(s, 0o775); // group root: fine
    expect(checkScriptSecurity(s)).toBeUndefined();
    if (isRoot) {
      chownSync(s, 0, 1000);
      expect(checkScriptSecurity(s)).toBe(`${s} is writable by group 1000`);
    }
  });

  it.skipIf(!isRoot)('refuses a script or directory owned by a non-root user', () => {
    const s = script('owned.sh', 'exit 0');
    chownSync(s, 1000, 0);
    expect(checkScriptSecurity(s)).toBe(`${s} is owned by uid 1000, not root`);
    const d = path.join(dir, 'userdir');
    mkdirSync(d);
    chownSync(d, 1000, 1000);
    chmodSync(d, 0o755);
    const inner = path.join(d, 'y.sh');
    writeFileSync(inner, '#!/bin/sh\n');
    chmodSync(inner, 0o755);
    expect(checkScriptSecurity(inner)).toBe(`${d} is owned by uid 1000, not root`);
  });

  it('follows symlinks to the real file, and reports a missing one', () => {
    const target = script('target.sh', 'exit 0');
    const d = path.join(dir, 'links');
    mkdirSync(d);
    const link = path.join(d, 'link.sh');
    symlinkSync(target, link);
    expect(checkScriptSecurity(link)).toBeUndefined();
    expect(checkScriptSecurity(path.join(dir, 'missing.sh'))).toMatch(/^cannot resolve .*missing\.sh: ENOENT$/);
  });
});
