/**
 * A real IPVS for tests on a kernel without one: Debian's user-mode Linux (its kernel has ip_vs and every
 * scheduler as modules) booted with this machine's root file system read-only as its own, so node, the built
 * project, ipvsadm, keepalived and curl run inside unchanged. One boot per test file; the test drives the guest
 * through `exec()`: each command is a file in a shared work folder that a small agent (the guest's init) runs in
 * the background, writing its output and exit status back. Nothing touches the host's interfaces: the guest has
 * no network card, its lab is namespaces and a bridge inside the UML kernel. The guest's /tmp is the host's, read-only
 * (a checkout under /tmp stays visible): what the guest writes goes to the work folder or to tmpfs under /run.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inCI, isRoot } from './netns.js';

const UML = '/usr/bin/linux.uml';
const SHIM_SOURCE = path.join(path.dirname(new URL(import.meta.url).pathname), 'uml/xstate-shim.c');
const MODULES = '/usr/lib/uml/modules';

/** Why user-mode Linux cannot start here, or undefined when it can. */
function umlMissing(): string | undefined {
  if (!isRoot) return 'the IPVS lab needs root';
  if (!existsSync(UML)) return 'user-mode Linux is not installed (apt-get install user-mode-linux)';
  if (!existsSync(MODULES) || readdirSync(MODULES).length === 0) return `no UML modules in ${MODULES}`;
  for (const tool of ['ipvsadm', 'modprobe', 'busybox', 'curl', 'gcc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

/** Whether the IPVS lab can run; under CI=true a reason not to is a failure, elsewhere a skip with a message. */
export function canRunUmlLab(): boolean {
  const why = umlMissing();
  if (!why) return true;
  if (inCI) throw new Error(`CI=true but the IPVS lab cannot run: ${why}`);
  console.warn(`skipping the IPVS lab tests: ${why}`);
  return false;
}

/**
 * A TCP server that accepts and closes, in one python3 process (`python3 accept.py` listens on 8081): a TCP_CHECK's
 * healthy server that stays so whatever CPU the director leaves it (busybox httpd forks per connection).
 */
export const ACCEPT_LOOP = [
  'import socket',
  's = socket.socket()',
  's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  "s.bind(('0.0.0.0', 8081))",
  's.listen(4096)',
  'while True:',
  '    s.accept()[0].close()',
].join('\n');

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/**
 * The guest's init: mounts, modules, then the command agent until asked to stop. Its second argument is the folder
 * of the Node running the tests, first on the guest's PATH, so `node` in the guest is the same Node as outside.
 */
const GUEST_INIT = `#!/bin/bash
W="$1"
export PATH="$2":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
mount -t proc proc /proc; mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
ln -sfn /proc/self/fd /dev/fd
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
mount -t hostfs -o "$W" hostfs "$W"
export HOME=/run/home TMPDIR=/run/tmp; mkdir -p "$HOME" "$TMPDIR" /run/netns
echo "$W/modprobe" >/proc/sys/kernel/modprobe
"$W/modprobe" -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh ip_vs_sed \\
  ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_twos veth bridge ipip ip_gre fou 2>"$W/modprobe.err"
ip link set lo up
echo "ready $(cut -d' ' -f1 /proc/uptime)" >"$W/ready"
while [ ! -e "$W/stop" ]; do
  for f in "$W"/rpc/*.cmd; do
    [ -e "$f" ] || continue
    id="\${f%.cmd}"
    mv "$f" "$id.run"
    ( bash "$id.run" >"$id.out" 2>"$id.err" </dev/null; echo $? >"$id.rc.tmp"; mv "$id.rc.tmp" "$id.rc" ) &
  done
  sleep 0.02
done
sync
busybox poweroff -f
`;

export class UmlLab {
  readonly work: string;
  private uml: ChildProcess | undefined;
  private seq = 0;
  private stopped = false;
  private readonly onExit = () => this.kill();

  private constructor(work: string) {
    this.work = work;
  }

  /** Boots the guest and waits for its agent (bounded). */
  static async boot(opts: { mem?: string; timeoutMs?: number } = {}): Promise<UmlLab> {
    const work = mkdtempSync(path.join(tmpdir(), 'vipd-uml-'));
    const lab = new UmlLab(work);
    process.once('exit', lab.onExit);
    try {
      const kver = readdirSync(MODULES).sort().at(-1) as string;
      mkdirSync(path.join(work, 'modroot/lib/modules'), { recursive: true });
      mkdirSync(path.join(work, 'rpc'));
      mkdirSync(path.join(work, 'uml'));
      execFileSync('ln', ['-s', path.join(MODULES, kver), path.join(work, 'modroot/lib/modules', kver)]);
      writeFileSync(path.join(work, 'modprobe'), `#!/bin/sh\nexec /usr/sbin/modprobe -d ${work}/modroot "$@"\n`, {
        mode: 0o755,
      });
      writeFileSync(
        path.join(work, 'init'),
        `#!/bin/bash\nexec /bin/bash ${work}/guest-init ${work} ${path.dirname(process.execPath)}\n`,
        {
          mode: 0o755,
        },
      );
      writeFileSync(path.join(work, 'guest-init'), GUEST_INIT, { mode: 0o755 });
      const shim = path.join(work, 'xstate-shim.so');
      execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', shim, SHIM_SOURCE, '-ldl']);
      const args = [
        `mem=${opts.mem ?? '512M'}`,
        'root=/dev/root',
        'rootfstype=hostfs',
        'rootflags=/',
        'ro',
        `init=${work}/init`,
        `uml_dir=${work}/uml`,
        'umid=vipdlab',
        'con=null',
        'ssl=null',
        'con0=null,fd:1',
        'quiet',
        'panic=1',
        'noreboot',
      ];
      const log = path.join(work, 'console.log');
      const out = await import('node:fs').then((fs) => fs.openSync(log, 'w'));
      // The shim only for UML itself: the guest's programs see a clean environment (init starts them afresh).
      lab.uml = spawn(UML, args, {
        stdio: ['ignore', out, out],
        detached: true,
        env: { ...process.env, LD_PRELOAD: shim },
      });
      const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
      while (!existsSync(path.join(work, 'ready'))) {
        if (lab.uml.exitCode !== null || Date.now() > deadline) {
          throw new Error(`the UML guest did not come up: ${readFileSync(log, 'utf8').slice(-2000)}`);
        }
        await sleep(50);
      }
      return lab;
    } catch (err) {
      await lab.stop();
      throw err;
    }
  }

  /** Runs a bash script in the guest (root namespace of the guest unless it says otherwise). */
  async exec(script: string, opts: { timeoutMs?: number; check?: boolean } = {}): Promise<ExecResult> {
    if (this.stopped) throw new Error('the UML lab is stopped');
    const id = path.join(this.work, 'rpc', `${Date.now()}-${++this.seq}`);
    writeFileSync(`${id}.tmp`, script);
    renameSync(`${id}.tmp`, `${id}.cmd`);
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    while (!existsSync(`${id}.rc`)) {
      if (Date.now() > deadline) throw new Error(`guest command timed out: ${script.slice(0, 200)}`);
      if (this.uml?.exitCode !== null) throw new Error(`the UML guest is gone (running: ${script.slice(0, 200)})`);
      await sleep(20);
    }
    const r = {
      rc: Number(readFileSync(`${id}.rc`, 'utf8').trim()),
      stdout: readFileSync(`${id}.out`, 'utf8'),
      stderr: readFileSync(`${id}.err`, 'utf8'),
    };
    if ((opts.check ?? true) && r.rc !== 0) {
      throw new Error(`guest command failed (${r.rc}): ${script.slice(0, 300)}\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  /** stdout of a command that must succeed. */
  async sh(script: string, timeoutMs?: number): Promise<string> {
    return (await this.exec(script, { timeoutMs })).stdout;
  }

  /** Polls `script` until it exits 0 (bounded); returns the elapsed milliseconds. */
  async waitFor(script: string, timeoutMs: number, intervalMs = 100): Promise<number> {
    const start = Date.now();
    for (let i = 0; i < 10_000; i++) {
      if ((await this.exec(script, { check: false })).rc === 0) return Date.now() - start;
      if (Date.now() - start > timeoutMs) break;
      await sleep(intervalMs);
    }
    throw new Error(`not true within ${timeoutMs} ms: ${script}`);
  }

  /** A path in the shared work folder, visible to host and guest alike. */
  file(name: string): string {
    return path.join(this.work, name);
  }

  /** Powers the guest off (bounded), then removes the work folder unless the test failed and keep is set. */
  async stop(keep = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('exit', this.onExit);
    const uml = this.uml;
    if (uml && uml.exitCode === null) {
      writeFileSync(path.join(this.work, 'stop'), '');
      const deadline = Date.now() + 10_000;
      while (uml.exitCode === null && Date.now() < deadline) await sleep(50);
    }
    this.kill();
    if (!keep) rmSync(this.work, { recursive: true, force: true });
  }

  private kill(): void {
    const pid = this.uml?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The lab's shell helpers (uml/lab-lib.sh) sourced before each command; `lab` is read when a command runs. */
const LAB_LIB = path.join(path.dirname(new URL(import.meta.url).pathname), 'uml/lab-lib.sh');
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export function labShell(lab: () => UmlLab) {
  const prefix = () => `W=${lab().work} REPO=${REPO}; source ${LAB_LIB}`;
  return {
    /** stdout of a script that must succeed. */
    sh: (script: string, timeoutMs?: number) => lab().sh(`${prefix()}\n${script}`, timeoutMs),
    /** Polls a condition until it holds (bounded). */
    waitFor: (condition: string, timeoutMs: number) => lab().waitFor(`${prefix()}; ${condition}`, timeoutMs),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
