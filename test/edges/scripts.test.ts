import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericNotifyArgv, notifyArgv } from '../../src/core/vrrp/notify.js';
import { CommandSyntaxError, runScript, type ScriptResult, scriptEnv, splitCommand } from '../../src/edges/scripts.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vipd-scripts-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes an executable sh script into the temp dir and returns its path. */
function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A script that writes each of its arguments on its own line to OUT. */
function argvRecorder(name: string): { file: string; out: string } {
  const out = path.join(dir, `${name}.out`);
  const file = script(name, `for a in "$@"; do printf '%s\\n' "$a"; done > '${out}'`);
  return { file, out };
}

function run(argv: string[], opts: Partial<Parameters<typeof runScript>[1]> = {}) {
  return new Promise<ScriptResult>((resolve) => {
    runScript(argv, { timeoutMs: 5000, ...opts, onExit: resolve });
  });
}

/** Alive and not a zombie (an orphan may stay a zombie when pid 1 does not reap). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

describe('splitCommand (keepalived argv splitting)', () => {
  it.each([
    ['/etc/vipd/master.sh', ['/etc/vipd/master.sh']],
    ['/usr/local/bin/vrrp.mast arg1 arg2', ['/usr/local/bin/vrrp.mast', 'arg1', 'arg2']],
    ['/usr/local/bin/vrrp.sh  BACKUP   VI_1', ['/usr/local/bin/vrrp.sh', 'BACKUP', 'VI_1']],
    ['  \t/bin/x\ta \n b  ', ['/bin/x', 'a', 'b']],
    ['/bin/x "two words" \'and three words\'', ['/bin/x', 'two words', 'and three words']],
    ['/bin/x a"b c"d', ['/bin/x', 'ab cd']],
    ['/bin/x "" \'\'', ['/bin/x', '', '']],
    ['/bin/x "it\'s" \'say "hi"\'', ['/bin/x', "it's", 'say "hi"']],
    ['/bin/x a\\ b \\"q\\" back\\\\slash', ['/bin/x', 'a b', '"q"', 'back\\slash']],
    ['/bin/x "in \\"double\\" quotes"', ['/bin/x', 'in "double" quotes']],
    ["/bin/x 'single \\' too'", ['/bin/x', "single ' too"]],
    ['/bin/x \\t\\n\\x41\\101\\cA\\E\\z', ['/bin/x', '\t\nAA\x01\x1bz']],
    ['/bin/x $HOME `id` ; rm -rf /', ['/bin/x', '$HOME', '`id`', ';', 'rm', '-rf', '/']],
    ['', []],
  ])('%j', (cmd, argv) => {
    expect(splitCommand(cmd)).toEqual(argv);
  });

  it('refuses an unterminated quote or a trailing backslash', () => {
    expect(() => splitCommand('/bin/x "open')).toThrow(CommandSyntaxError);
    expect(() => splitCommand("/bin/x 'open")).toThrow("missing terminating ' quote in: /bin/x 'open");
    expect(() => splitCommand('/bin/x \\')).toThrow('trailing backslash in: /bin/x \\');
  });
});

describe('notify arguments (keepalived conventions)', () => {
  const scripts = {
    master: ['/etc/vipd/master.sh', 'x'],
    backup: ['/etc/vipd/backup.sh'],
    generic: ['/etc/vipd/any.sh'],
  };

  it('runs the state script as written, then the generic one with INSTANCE <name> <STATE> <priority>', () => {
    expect(notifyArgv(scripts, 'VI_1', 'MASTER', 150)).toEqual([
      ['/etc/vipd/master.sh', 'x'],
      ['/etc/vipd/any.sh', 'INSTANCE', 'VI_1', 'MASTER', '150'],
    ]);
    expect(notifyArgv(scripts, 'VI_1', 'FAULT', 100)).toEqual([
      ['/etc/vipd/any.sh', 'INSTANCE', 'VI_1', 'FAULT', '100'],
    ]);
    expect(notifyArgv({ stop: ['/s'] }, 'VI_1', 'STOP', 0)).toEqual([['/s']]);
    expect(notifyArgv({}, 'VI_1', 'BACKUP', 100)).toEqual([]);
  });

  it('builds the GROUP form too', () => {
    expect(genericNotifyArgv(['/n.sh', 'a'], 'GROUP', 'G1', 'BACKUP', 0)).toEqual([
      '/n.sh',
      'a',
      'GROUP',
      'G1',
      'BACKUP',
      '0',
    ]);
  });

  it('does not alias the configured argv', () => {
    const runs = notifyArgv(scripts, 'VI_1', 'MASTER', 150);
    runs[0]?.push('mutated');
    expect(scripts.master).toEqual(['/etc/vipd/master.sh', 'x']);
  });

  it('the generic script really receives the four arguments', async () => {
    const { file, out } = argvRecorder('generic.sh');
    const [argv] = notifyArgv({ generic: splitCommand(`${file} --flag`) }, 'VI_1', 'MASTER', 150);
    const r = await run(argv as string[]);
    expect(r).toMatchObject({ code: 0, signal: null, timedOut: false });
    expect(readFileSync(out, 'utf8').split('\n')).toEqual(['--flag', 'INSTANCE', 'VI_1', 'MASTER', '150', '']);
  });
});

describe('runScript', () => {
  it('passes argv through without a shell', async () => {
    const { file, out } = argvRecorder('argv.sh');
    const argv = splitCommand(`${file} "two words" '$HOME' "a;b" '*'`);
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')).toEqual(['two words', '$HOME', 'a;b', '*', '']);
  });

  it('returns before the script ends, and reports exit code and duration', async () => {
    const marker = path.join(dir, 'slow.done');
    const file = script('slow.sh', `sleep 0.3; touch '${marker}'; exit 3`);
    let result: ScriptResult | undefined;
    const t0 = performance.now();
    const finished = new Promise<void>((resolve) => {
      const handle = runScript([file], {
        timeoutMs: 5000,
        onExit: (r) => {
          result = r;
          resolve();
        },
      });
      expect(handle.pid).toBeGreaterThan(0);
    });
    expect(performance.now() - t0).toBeLessThan(100);
    expect(result).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
    await finished;
    expect(existsSync(marker)).toBe(true);
    expect(result).toMatchObject({ code: 3, signal: null, timedOut: false });
    expect(result?.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('runs the script in its own process group', async () => {
    const out = path.join(dir, 'pgid.out');
    const file = script('pgid.sh', `ps -o pgid= -p $$ | tr -d ' ' > '${out}'`);
    let pid: number | undefined;
    await new Promise<void>((resolve) => {
      pid = runScript([file], { timeoutMs: 5000, onExit: () => resolve() }).pid;
    });
    expect(Number(readFileSync(out, 'utf8'))).toBe(pid);
  });

  it('on timeout sends SIGTERM to the whole process group (the script and its children)', async () => {
    const childPidFile = path.join(dir, 'child.pid');
    const file = script('hang.sh', `sleep 30 & echo $! > '${childPidFile}'; wait`);
    const r = await run([file], { timeoutMs: 300 });
    expect(r).toMatchObject({ code: null, signal: 'SIGTERM', timedOut: true });
    expect(r.durationMs).toBeGreaterThanOrEqual(290);
    expect(r.durationMs).toBeLessThan(1500);
    const child = Number(readFileSync(childPidFile, 'utf8'));
    expect(child).toBeGreaterThan(0);
    expect(await waitFor(() => !alive(child), 1000)).toBe(true);
  });

  it('sends SIGKILL 2 s after the SIGTERM when the script ignores SIGTERM (keepalived behaviour)', async () => {
    const childPidFile = path.join(dir, 'stubborn-child.pid');
    const file = script(
      'stubborn.sh',
      `trap '' TERM\nsleep 30 & echo $! > '${childPidFile}'\nwhile :; do sleep 0.05; done`,
    );
    const r = await run([file], { timeoutMs: 200 });
    expect(r).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true });
    expect(r.durationMs).toBeGreaterThanOrEqual(2190);
    expect(r.durationMs).toBeLessThan(3500);
    const child = Number(readFileSync(childPidFile, 'utf8'));
    expect(await waitFor(() => !alive(child), 1000)).toBe(true);
  });

  it('the kill grace period can be shortened', async () => {
    const file = script('stubborn2.sh', `trap '' TERM\nwhile :; do sleep 0.05; done`);
    const r = await run([file], { timeoutMs: 100, killGraceMs: 100 });
    expect(r).toMatchObject({ signal: 'SIGKILL', timedOut: true });
    expect(r.durationMs).toBeLessThan(1500);
  });

  it('reports a missing script through onExit and onError, without throwing', async () => {
    const errors: string[] = [];
    let r: ScriptResult | undefined;
    expect(() => {
      runScript([path.join(dir, 'does-not-exist.sh'), 'x'], {
        timeoutMs: 1000,
        onError: (e) => errors.push(e.code),
        onExit: (res) => {
          r = res;
        },
      });
    }).not.toThrow();
    expect(await waitFor(() => r !== undefined, 2000)).toBe(true);
    expect(r).toMatchObject({ code: null, signal: null, timedOut: false, error: { code: 'ENOENT' } });
    expect(errors).toEqual(['ENOENT']);
  });

  it('reports a script that is not executable (EACCES) and an empty argv (EINVAL)', async () => {
    const file = path.join(dir, 'not-exec.sh');
    writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    expect((await run([file])).error?.code).toBe('EACCES');
    expect((await run([])).error?.code).toBe('EINVAL');
  });

  const isRoot = process.getuid?.() === 0;

  it.skipIf(isRoot)('reports a uid change it is not allowed to make instead of throwing', async () => {
    const r = await run(['/bin/true'], { uid: 1 });
    expect(r.error?.code).toBe('EPERM');
  });

  it.runIf(isRoot)('runs the script as the given uid and gid', async () => {
    const lines: string[] = [];
    const logger = { info: (_o: object, msg: string) => lines.push(msg), warn: () => {} };
    const r = await run(['/bin/sh', '-c', 'echo "$(id -u):$(id -g)"'], { uid: 65534, gid: 65534, logger });
    expect(r.code).toBe(0);
    expect(await waitFor(() => lines.length === 1, 1000)).toBe(true);
    expect(lines).toEqual(['65534:65534']);
  });

  it('strips LD_PRELOAD, LD_LIBRARY_PATH and IFS from the environment', async () => {
    const out = path.join(dir, 'env.out');
    const file = script('env.sh', `env > '${out}'`);
    const r = await run([file], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        VIPD_TEST: 'yes',
        LD_PRELOAD: '/x.so',
        LD_LIBRARY_PATH: '/x',
        IFS: ':',
      },
    });
    expect(r.code).toBe(0);
    const env = readFileSync(out, 'utf8');
    expect(env).toContain('VIPD_TEST=yes');
    expect(env).not.toMatch(/^LD_PRELOAD=/m);
    expect(env).not.toMatch(/^LD_LIBRARY_PATH=/m);
    expect(env).not.toMatch(/^IFS=/m);
    expect(scriptEnv({ A: '1', IFS: ' ', B: undefined })).toEqual({ A: '1' });
  });

  it('forwards stdout and stderr lines to the logger when one is given', async () => {
    const file = script('talk.sh', 'echo out one; echo out two; echo oops >&2');
    const lines: string[] = [];
    const logger = {
      info: (o: object, msg: string) => lines.push(`info ${(o as { stream: string }).stream} ${msg}`),
      warn: (o: object, msg: string) => lines.push(`warn ${(o as { stream: string }).stream} ${msg}`),
    };
    await run([file], { logger });
    expect(await waitFor(() => lines.length === 3, 1000)).toBe(true);
    expect(lines.sort()).toEqual(['info stdout out one', 'info stdout out two', 'warn stderr oops']);
  });
});
