/**
 * Runs src/edges/netlink/ inside a network namespace (a netlink socket belongs to the namespace of the
 * process that opens it) and prints one JSON line per result. It never calls process.exit on success:
 * it must end by itself once everything is closed; a lingering handle shows up as exit code 3.
 *
 *   netlink-probe.ts ops '<json array of ops>'   add/remove/list/primary/get, in order, then close
 *   netlink-probe.ts watch [maxMs]               link + address-removed events until stdin ends
 *
 * Every line carries `t`: wall-clock milliseconds with sub-millisecond precision (timeOrigin + now()).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AddressSpec, Family, RouteSpec, RuleSpec } from '../../src/core/net.js';
import {
  createAddressPort,
  createLinkWatcher,
  createRoutingPort,
  createVmacPort,
  type NetlinkLinkInfo,
  type NetlinkLinkWatcher,
  primaryAddress,
} from '../../src/edges/netlink/index.js';
import type { Lab } from './netns.js';

export type ProbeOp =
  | { op: 'add'; spec: AddressSpec }
  | { op: 'remove'; spec: AddressSpec }
  | { op: 'list'; dev: string; family: Family }
  | { op: 'primary'; dev: string; family: Family }
  | { op: 'get'; name: string }
  | { op: 'addRoute'; route: RouteSpec }
  | { op: 'removeRoute'; route: RouteSpec }
  | { op: 'addRule'; rule: RuleSpec }
  | { op: 'createVmac'; name: string; base: string; mac: string }
  | { op: 'removeVmac'; name: string }
  | { op: 'removeRule'; rule: RuleSpec }
  /** Closes a separate port while its requests are in flight: they must reject (ECANCELED), not hang. */
  | { op: 'cancel'; dev: string };

export interface ProbeLine {
  t: number;
  event: string;
  [key: string]: unknown;
}

const now = (): number => performance.timeOrigin + performance.now();

function print(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ t: now(), event, ...fields })}\n`);
}

function linkJson(l: NetlinkLinkInfo): Record<string, unknown> {
  return { ...l, mac: l.mac.toString('hex') };
}

/** Exits with 3 if still alive after maxMs; unref'd, so it never keeps the process alive by itself. */
function lingerGuard(maxMs: number): void {
  setTimeout(() => {
    print('lingering', { maxMs });
    process.exit(3);
  }, maxMs).unref();
}

async function probeOps(ops: ProbeOp[]): Promise<void> {
  const port = createAddressPort();
  const routing = createRoutingPort();
  const vmacs = createVmacPort();
  let watcher: NetlinkLinkWatcher | undefined;
  try {
    for (const [i, o] of ops.entries()) {
      try {
        let result: unknown;
        if (o.op === 'add') result = await port.add(o.spec);
        else if (o.op === 'remove') result = await port.remove(o.spec);
        else if (o.op === 'addRoute') result = await routing.addRoute(o.route);
        else if (o.op === 'removeRoute') result = await routing.removeRoute(o.route);
        else if (o.op === 'createVmac') {
          result = await vmacs.create({ name: o.name, base: o.base, mac: Buffer.from(o.mac.replace(/:/g, ''), 'hex') });
        } else if (o.op === 'removeVmac') result = await vmacs.remove(o.name);
        else if (o.op === 'addRule') result = await routing.addRule(o.rule);
        else if (o.op === 'removeRule') result = await routing.removeRule(o.rule);
        else if (o.op === 'list') result = await port.list(o.dev, o.family);
        else if (o.op === 'primary') result = (await primaryAddress(o.dev, o.family)) ?? null;
        else if (o.op === 'cancel') {
          const other = createAddressPort();
          const inFlight = [other.list(o.dev, 4), other.list(o.dev, 6)];
          other.close();
          const settled = await Promise.allSettled([...inFlight, other.list(o.dev, 4)]);
          result = settled.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'fulfilled'));
        } else {
          watcher ??= await createLinkWatcher();
          const l = await watcher.get(o.name);
          result = l ? linkJson(l) : null;
        }
        print('result', { i, op: o.op, ok: true, result });
      } catch (err) {
        const e = err as { code?: string; message?: string; name?: string };
        print('result', { i, op: o.op, ok: false, code: e.code, message: e.message, name: e.name });
      }
    }
  } finally {
    watcher?.close();
    port.close();
    routing.close();
    vmacs.close();
  }
  print('closed');
}

async function probeWatch(): Promise<void> {
  const watcher = await createLinkWatcher();
  watcher.onChange((l) => print('link', linkJson(l)));
  watcher.onAddressChange((a) => print(`addr-${a.kind}`, { ...a }));
  process.stdin.on('data', () => {});
  process.stdin.once('end', () => {
    watcher.close();
    print('closed');
  });
  print('ready');
}

// ---------------------------------------------------------------------------------------------
// Test side: spawning the probe in a lab namespace.

const PROBE = ['--import', 'tsx', 'test/helpers/netlink-probe.ts'];
/** The repository root, wherever it is checked out (the probe is started from there). */
export const CWD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ProbeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: ProbeLine[];
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

function collect(child: ChildProcess, lines: ProbeLine[], onLine?: () => void): { stderr: () => string } {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl).trim();
      out = out.slice(nl + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as ProbeLine);
      onLine?.();
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
  });
  return { stderr: () => err };
}

function exited(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => reject(new Error(`probe did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Runs `probe ops <ops>` in a host's namespace and waits (bounded) for it to exit by itself. */
export async function runOps(lab: Lab, host: string, ops: ProbeOp[], timeoutMs = 15_000): Promise<ProbeRun> {
  const started = Date.now();
  const child = lab.spawn(host, process.execPath, [...PROBE, 'ops', JSON.stringify(ops)], { cwd: CWD });
  const lines: ProbeLine[] = [];
  const c = collect(child, lines);
  const { code, signal } = await exited(child, timeoutMs);
  return { code, signal, lines, stderr: c.stderr(), ms: Date.now() - started };
}

/** The `result` lines of an ops run, in op order. */
export function results(run: ProbeRun): { ok: boolean; result?: unknown; code?: string; message?: string }[] {
  return run.lines.filter((l) => l.event === 'result') as never;
}

export class Watch {
  readonly lines: ProbeLine[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly out: { stderr: () => string };

  private constructor(readonly child: ChildProcess) {
    this.out = collect(child, this.lines, () => {
      for (const w of [...this.waiters]) w();
    });
  }

  /** Starts `probe watch` in a host's namespace and waits for its `ready` line. */
  static async start(lab: Lab, host: string, maxMs = 30_000): Promise<Watch> {
    const child = lab.spawn(host, process.execPath, [...PROBE, 'watch', String(maxMs)], {
      cwd: CWD,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const w = new Watch(child);
    await w.next((l) => l.event === 'ready', 15_000);
    return w;
  }

  get stderr(): string {
    return this.out.stderr();
  }

  /** The first line (from index `from`) matching `pred`; rejects after timeoutMs. */
  next(pred: (l: ProbeLine) => boolean, timeoutMs: number, from = 0): Promise<ProbeLine> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.lines.slice(from).find(pred);
        if (!hit) return false;
        cleanup();
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no matching probe line within ${timeoutMs} ms; got ${JSON.stringify(this.lines.slice(from))}`),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => {
        check();
      };
      this.waiters.add(waiter);
      check();
    });
  }

  /** Ends stdin (the probe then closes its watcher) and waits, bounded, for it to exit by itself. */
  async close(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const started = Date.now();
    this.child.stdin?.end();
    const r = await exited(this.child, timeoutMs);
    return { ...r, ms: Date.now() - started };
  }
}

async function main(mode: string | undefined, arg: string | undefined): Promise<void> {
  if (mode === 'ops') {
    lingerGuard(15_000);
    await probeOps(JSON.parse(arg ?? '[]') as ProbeOp[]);
  } else if (mode === 'watch') {
    lingerGuard(Number(arg ?? 30_000));
    await probeWatch();
  } else {
    process.stderr.write('usage: netlink-probe.ts ops <json> | watch [maxMs]\n');
    process.exitCode = 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv[2], process.argv[3]);
}
