/**
 * The load balancer on fake edges: an in-memory IPVS that behaves as the kernel's (errors included), checkers
 * whose results the test gives, timers on a fake clock. What is checked: the table at start, checker changes,
 * notifications, the kernel repaired after hand edits, reloads that touch only what changed, stop, the sync
 * daemon following its instance, ha_suspend.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../src/core/checks/spec.js';
import { planReload } from '../../src/core/config/diff.js';
import type { VipdConfig } from '../../src/core/config/model.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import type { IpvsOp } from '../../src/core/ipvs/reconcile.js';
import type { MarkElement } from '../../src/core/ipvs/table.js';
import { type IpvsService, type SyncDaemonSpec, serviceId } from '../../src/core/ipvs/table.js';
import type { GroupMarkSettings, IpvsPort, TrackerEdges } from '../../src/core/ports.js';
import type { CheckResult } from '../../src/core/tracking/types.js';
import { LoadBalancer, RECHECK_MS } from '../../src/daemon/ipvs/load-balancer.js';
import { KernelLedger } from '../../src/daemon/ledger.js';
import { FakeTimers } from '../helpers/fake-timers.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

/** IPVS as the kernel keeps it, with its refusals. */
class FakeIpvs implements IpvsPort {
  table: IpvsService[] = [];
  daemons: SyncDaemonSpec[] = [];
  timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  readonly ops: string[] = [];
  failNext: string | undefined;
  private find(key: IpvsService['key']) {
    return this.table.find((s) => serviceId(s.key) === serviceId(key));
  }
  async list() {
    return structuredClone(this.table);
  }
  async apply(op: IpvsOp) {
    if (this.failNext) {
      const code = this.failNext;
      this.failNext = undefined;
      throw errno(code);
    }
    const key = op.op === 'add-service' || op.op === 'edit-service' ? op.service.key : op.key;
    const svc = this.find(key);
    const d = 'dest' in op ? op.dest : undefined;
    this.ops.push(
      `${op.op} ${serviceId(key)}${d ? ` ${d.address}:${d.port}${'weight' in d ? ` w${d.weight}` : ''}` : ''}`,
    );
    if (op.op === 'add-service') {
      if (svc) throw errno('EEXIST');
      this.table.push({ ...structuredClone(op.service), dests: [] });
      return;
    }
    if (!svc) throw errno('ESRCH');
    if (op.op === 'edit-service') Object.assign(svc, { ...structuredClone(op.service), dests: svc.dests });
    else if (op.op === 'remove-service') this.table = this.table.filter((s) => s !== svc);
    else {
      const at = svc.dests.findIndex((x) => x.address === op.dest.address && x.port === op.dest.port);
      if (op.op === 'add-dest') {
        if (at >= 0) throw errno('EEXIST');
        svc.dests.unshift(structuredClone(op.dest)); // the kernel lists the newest first
      } else if (at < 0) throw errno('ENOENT');
      else if (op.op === 'edit-dest') svc.dests[at] = structuredClone(op.dest);
      else svc.dests.splice(at, 1);
    }
  }
  async flush() {
    this.ops.push('flush');
    this.table = [];
  }
  async getTimeouts() {
    return this.timeouts;
  }
  async setTimeouts(t: typeof this.timeouts) {
    this.timeouts = {
      tcp: t.tcp || this.timeouts.tcp,
      tcpFin: t.tcpFin || this.timeouts.tcpFin,
      udp: t.udp || this.timeouts.udp,
    };
  }
  async listSyncDaemons() {
    return this.daemons;
  }
  /** When set, the next sync daemon start fails with this code (a busy kernel). */
  syncStartError: string | undefined;
  async startSyncDaemon(d: SyncDaemonSpec) {
    this.ops.push(`start ${d.state} sync daemon`);
    if (this.syncStartError) {
      const code = this.syncStartError;
      this.syncStartError = undefined;
      throw errno(code);
    }
    this.daemons.push(d);
  }
  async stopSyncDaemon(state: SyncDaemonSpec['state']) {
    this.ops.push(`stop ${state} sync daemon`);
    this.daemons = this.daemons.filter((d) => d.state !== state);
  }
  close() {}
  /** "10.0.0.11:80 w1" per destination of the service at `address`. */
  rows(address = '10.0.0.100') {
    const s = this.table.find((x) => x.key.address === address);
    return s?.dests.map((d) => `${d.address}:${d.port} w${d.weight}`).sort();
  }
}

const REALS = `    real_server:
      10.0.0.11 80: { TCP_CHECK: {}, notify_down: /bin/rs-down 11, notify_up: /bin/rs-up 11 }
      10.0.0.12 80: { weight: 2, TCP_CHECK: {} }
      10.0.0.13 80: { weight: 3, TCP_CHECK: {} }`;

function configOf(vs: string, extra = ''): VipdConfig {
  const r = parseYamlConfig(`${extra}virtual_server:\n${vs}`, 'lb.yaml');
  if (!r.config) throw new Error(r.errors.map((e) => `${e.line}: ${e.message}`).join('; '));
  return r.config;
}
const WEB = (body = '', reals = REALS) =>
  `  10.0.0.100 80:\n    lb_algo: wrr\n    protocol: TCP\n${body}${reals.replace(/^\n/, '')}\n`;

function world(config: VipdConfig) {
  const ipvs = new FakeIpvs();
  ipvs.table.push({
    key: { family: 4, protocol: 'TCP', address: '192.0.2.1', port: 443 },
    scheduler: 'rr',
    flags: 0,
    timeoutS: 0,
    netmask: 0xffffffff,
    dests: [],
  });
  const time = new FakeTimers();
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _e, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    }),
  );
  /** Checkers by their connect address, with the callback the test drives. */
  const checks = new Map<string, { spec: CheckSpec; report: (r: CheckResult) => void; running: boolean }>();
  let created = 0;
  const files = new Map<string, string>();
  const checkEdges: TrackerEdges = {
    createCheck(spec, onResult) {
      created++;
      const entry = { spec, report: onResult, running: false };
      checks.set('connectIp' in spec ? `${spec.connectIp}:${spec.connectPort}` : JSON.stringify(spec), entry);
      return {
        start: () => {
          entry.running = true;
        },
        stop: async () => {
          entry.running = false;
        },
        get running() {
          return entry.running;
        },
      };
    },
    watchFile: () => () => undefined,
    readFile: (p) => files.get(p),
    writeFile: (p, t) => files.set(p, t),
    scriptSecurity: () => undefined,
    resolveUser: () => undefined,
  };
  const scripts: string[] = [];
  const fifo: string[] = [];
  /** BFD_CHECK's followers by session name: the test tells them the session's state. */
  const bfd = new Map<string, (up: boolean) => void>();
  /** nftables_ipvs's tables as the kernel would hold them, their changes logged with IPVS's operations. */
  const marks = {
    held: undefined as string | undefined,
    async mark(elements: readonly MarkElement[], settings: GroupMarkSettings) {
      marks.held = `${settings.table}: ${elements.map((e) => `${e.protocol} ${e.first}-${e.last}.${e.port}:${e.mark}`).join(', ')}`;
      ipvs.ops.push(`mark ${marks.held}`);
    },
    async intact() {
      return marks.held !== undefined;
    },
    async remove() {
      marks.held = undefined;
      ipvs.ops.push('unmark');
    },
  };
  const ledger = new KernelLedger(
    {
      addresses: { add: async () => 'added', remove: async () => 'removed', list: async () => [], close() {} },
      ipvs,
      groupMarks: marks,
    },
    log,
  );
  const lb = new LoadBalancer(
    config,
    {
      ipvs,
      ledger,
      checks: checkEdges,
      runScript: async (argv) => {
        scripts.push(argv.join(' '));
      },
      notifyFifo: (line) => fifo.push(line),
      createTimer: time.createTimer,
      now: () => time.now,
      followBfd: (name, heard) => {
        bfd.set(name, heard);
        return () => bfd.delete(name);
      },
    },
    log,
  );
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  const result = async (target: string, ok: boolean) => {
    const c = checks.get(target);
    if (!c) throw new Error(`no checker for ${target}`);
    c.report({ ok, reason: ok ? 'ok' : 'refused', latencyMs: 1 });
    await settle();
  };
  const advance = async (ms: number) => {
    const end = time.now + ms;
    for (let i = 0; i < 1000; i++) {
      const t = time.takeNext(end);
      if (!t) break;
      t.fire();
      await settle();
    }
    time.now = end;
  };
  // A reload as the daemon makes it: the plan from the running configuration to the next, applied as given.
  let running = config;
  const reload = async (next: VipdConfig) => {
    await lb.reconfigure(next, planReload(running, next).virtualServers);
    running = next;
  };
  return {
    ipvs,
    marks,
    lb,
    lines,
    checks,
    scripts,
    fifo,
    bfd,
    result,
    settle,
    advance,
    reload,
    created: () => created,
  };
}

describe('LoadBalancer on a fake IPVS', () => {
  it('BFD_CHECK: a real server is in the table while its bfdd session is up', async () => {
    const w = world(
      configOf(WEB('', '    real_server:\n      10.0.0.11 80: { BFD_CHECK: { name: rs1 } }\n      10.0.0.12 80: {}\n')),
    );
    await w.lb.start(() => false);
    await w.settle();
    const dests = () => w.ipvs.table.find((s) => s.key.port === 80)?.dests.map((d) => d.address) ?? [];
    // In the table at start, as every real server before its first check (keepalived's rule, unless alpha).
    expect(dests().sort()).toEqual(['10.0.0.11', '10.0.0.12']);
    w.bfd.get('rs1')?.(false);
    await w.settle();
    expect(dests()).toEqual(['10.0.0.12']);
    expect(w.lb.report()[0]?.realServers[0]?.checkers).toEqual([
      { type: 'BFD_CHECK', up: false, reason: 'BFD session rs1 down' },
    ]);
    await w.lb.stop();
    expect(w.bfd.size).toBe(0);
  });

  it('programs every real server at start, before any check has run; leaves other services alone', async () => {
    const w = world(configOf(WEB()));
    await w.lb.start(() => false);
    expect(w.ipvs.rows()).toEqual(['10.0.0.11:80 w1', '10.0.0.12:80 w2', '10.0.0.13:80 w3']);
    expect(w.ipvs.table.map((s) => serviceId(s.key))).toEqual(['TCP 192.0.2.1:443', 'TCP 10.0.0.100:80']);
    expect([...w.checks.values()].every((c) => c.running)).toBe(true);
  });

  it('rs_init_notifies: each real server up at start is notified up (notify_up, the FIFO line), as keepalived', async () => {
    const quiet = world(configOf(WEB()));
    await quiet.lb.start(() => false);
    expect(quiet.scripts).toEqual([]);
    const w = world(configOf(WEB(), 'global_defs:\n  rs_init_notifies: true\n'));
    await w.lb.start(() => false);
    expect(w.scripts).toEqual(['/bin/rs-up 11']);
    expect(w.fifo.filter((l) => l.startsWith('RS '))).toHaveLength(3);
    expect(w.fifo[0]).toBe('RS [10.0.0.11]:tcp:80 [10.0.0.100]:tcp:80 UP\n');
  });

  it('a kernel without IPVS stops the start with the reason', async () => {
    const w = world(configOf(WEB()));
    w.ipvs.list = async () => {
      throw Object.assign(new Error('this kernel has no IPVS'), { code: 'ENOENT' });
    };
    await expect(w.lb.start(() => false)).rejects.toThrow('this kernel has no IPVS');
  });

  it('lvs_flush empties IPVS first; lvs_timeouts sets only the timeouts given', async () => {
    const w = world(configOf(WEB(), 'global_defs:\n  lvs_flush: true\n  lvs_timeouts: tcp 60\n'));
    await w.lb.start(() => false);
    expect(w.ipvs.ops[0]).toBe('flush');
    expect(w.ipvs.table.map((s) => serviceId(s.key))).toEqual(['TCP 10.0.0.100:80']);
    expect(w.ipvs.timeouts).toEqual({ tcp: 60, tcpFin: 120, udp: 300 });
  });

  it('a failing real server leaves the table and its notify_down runs; recovery puts it back with notify_up', async () => {
    const w = world(configOf(WEB()));
    await w.lb.start(() => false);
    w.ipvs.ops.length = 0;
    await w.result('10.0.0.11:80', false);
    expect(w.ipvs.ops).toEqual(['remove-dest TCP 10.0.0.100:80 10.0.0.11:80']);
    expect(w.scripts).toEqual(['/bin/rs-down 11']);
    await w.result('10.0.0.11:80', false); // the same verdict again: nothing
    await w.result('10.0.0.11:80', true);
    expect(w.ipvs.ops).toEqual([
      'remove-dest TCP 10.0.0.100:80 10.0.0.11:80',
      'add-dest TCP 10.0.0.100:80 10.0.0.11:80 w1',
    ]);
    expect(w.scripts).toEqual(['/bin/rs-down 11', '/bin/rs-up 11']);
  });

  it('a verdict whose update waits behind a re-check is not applied twice; down and up again before it runs: nothing', async () => {
    const w = world(configOf(WEB()));
    await w.lb.start(() => false);
    w.ipvs.ops.length = 0;
    // A re-check is queued, then a verdict arrives before it runs: the re-check already takes the server out.
    const recheck = w.lb.recheck();
    const c = w.checks.get('10.0.0.11:80');
    c?.report({ ok: false, reason: 'refused', latencyMs: 1 });
    await recheck;
    await w.settle();
    expect(w.ipvs.ops).toEqual(['remove-dest TCP 10.0.0.100:80 10.0.0.11:80']);
    expect(w.lines.filter((l) => l.msg.startsWith('IPVS update failed'))).toEqual([]);
    // Down and up again while a re-check holds the queue: the update that follows has nothing left to do.
    w.ipvs.ops.length = 0;
    const busy = w.lb.recheck();
    c?.report({ ok: true, reason: 'ok', latencyMs: 1 });
    c?.report({ ok: false, reason: 'refused', latencyMs: 1 });
    c?.report({ ok: true, reason: 'ok', latencyMs: 1 });
    await busy;
    await w.settle();
    expect(w.ipvs.ops).toEqual(['add-dest TCP 10.0.0.100:80 10.0.0.11:80 w1']);
    expect(w.ipvs.rows()).toContain('10.0.0.11:80 w1');
  });

  it('log_all_failures (or global_defs checker_log_all_failures): every failed check is logged, not only changes', async () => {
    const failed = (w: ReturnType<typeof world>) => w.lines.filter((l) => l.msg === 'check failed').length;
    for (const [extra, reals, expected] of [
      ['', REALS, 0],
      ['global_defs:\n  checker_log_all_failures: true\n', REALS, 2],
      ['', REALS.replace('TCP_CHECK: {}, notify_down', 'TCP_CHECK: { log_all_failures: true }, notify_down'), 2],
    ] as const) {
      const w = world(configOf(WEB('', reals), extra));
      await w.lb.start(() => false);
      await w.result('10.0.0.11:80', false);
      await w.result('10.0.0.11:80', false);
      await w.result('10.0.0.11:80', true);
      expect(failed(w)).toBe(expected);
    }
  });

  it('all down: the sorry server and quorum_down; one back: quorum_up and the sorry server leaves', async () => {
    const w = world(
      configOf(WEB('    sorry_server: 10.0.0.200 80\n    quorum_down: /bin/qdown\n    quorum_up: /bin/qup\n')),
    );
    await w.lb.start(() => false);
    for (const n of [11, 12, 13]) await w.result(`10.0.0.${n}:80`, false);
    expect(w.ipvs.rows()).toEqual(['10.0.0.200:80 w1']);
    expect(w.scripts).toContain('/bin/qdown');
    await w.result('10.0.0.13:80', true);
    expect(w.ipvs.rows()).toEqual(['10.0.0.13:80 w3']);
    expect(w.scripts.at(-1)).toBe('/bin/qup');
    // keepalived's notify FIFO lines, in order.
    expect(w.fifo).toEqual([
      'RS [10.0.0.11]:tcp:80 [10.0.0.100]:tcp:80 DOWN\n',
      'RS [10.0.0.12]:tcp:80 [10.0.0.100]:tcp:80 DOWN\n',
      'RS [10.0.0.13]:tcp:80 [10.0.0.100]:tcp:80 DOWN\n',
      'VS [10.0.0.100]:tcp:80 DOWN\n',
      'RS [10.0.0.13]:tcp:80 [10.0.0.100]:tcp:80 UP\n',
      'VS [10.0.0.100]:tcp:80 UP\n',
    ]);
  });

  it('the kernel is re-read: a flush or a hand edit is repaired within a re-check; foreign services untouched', async () => {
    const w = world(configOf(WEB()));
    await w.lb.start(() => false);
    await w.result('10.0.0.12:80', false);
    // ipvsadm -C, then someone adds a destination by hand to vipd's service.
    w.ipvs.table = [];
    await w.advance(RECHECK_MS);
    expect(w.ipvs.rows()).toEqual(['10.0.0.11:80 w1', '10.0.0.13:80 w3']); // the held-down server stays out
    const svc = w.ipvs.table[0] as IpvsService;
    svc.dests.push({ ...(svc.dests[0] as IpvsService['dests'][number]), address: '10.0.0.99' });
    w.ipvs.table.push({ ...svc, key: { family: 4, protocol: 'UDP', address: '10.0.0.1', port: 53 }, dests: [] });
    await w.advance(RECHECK_MS);
    expect(w.ipvs.rows()).toEqual(['10.0.0.11:80 w1', '10.0.0.13:80 w3']);
    expect(w.ipvs.table.map((s) => serviceId(s.key))).toContain('UDP 10.0.0.1:53');
  });

  it('a failed kernel operation is retried by a re-check a second later', async () => {
    const w = world(configOf(WEB()));
    await w.lb.start(() => false);
    w.ipvs.failNext = 'ENOMEM';
    await w.result('10.0.0.11:80', false);
    expect(w.ipvs.rows()).toHaveLength(3);
    expect(w.lines.some((l) => l.msg.includes('IPVS update failed'))).toBe(true);
    await w.advance(1000);
    expect(w.ipvs.rows()).toEqual(['10.0.0.12:80 w2', '10.0.0.13:80 w3']);
  });

  it('reload: add, remove and re-weight real servers; unchanged ones untouched, checkers kept, held-down stays down', async () => {
    const w = world(configOf(WEB()));
    await w.lb.start(() => false);
    await w.result('10.0.0.13:80', false);
    const before = w.created();
    w.ipvs.ops.length = 0;
    const next = configOf(
      WEB(
        '',
        `    real_server:
      10.0.0.11 80: { TCP_CHECK: {}, notify_down: /bin/rs-down 11, notify_up: /bin/rs-up 11 }
      10.0.0.13 80: { weight: 3, TCP_CHECK: {} }
      10.0.0.12 80: { weight: 5, TCP_CHECK: {} }
      10.0.0.14 80: { TCP_CHECK: {} }`,
      ),
    );
    await w.reload(next);
    expect(w.ipvs.ops.sort()).toEqual([
      'add-dest TCP 10.0.0.100:80 10.0.0.14:80 w1',
      'edit-dest TCP 10.0.0.100:80 10.0.0.12:80 w5',
    ]);
    expect(w.created() - before).toBe(1); // only the new real server checker started
    expect(w.ipvs.rows()).toEqual(['10.0.0.11:80 w1', '10.0.0.12:80 w5', '10.0.0.14:80 w1']);
    // A virtual server removed by a reload leaves the kernel; stop after several reloads still cleans up.
    await w.reload(configOf('  10.0.0.101 80:\n    protocol: TCP\n    real_server:\n      10.0.0.11 80: {}\n'));
    expect(w.ipvs.table.map((s) => serviceId(s.key))).toEqual(['TCP 192.0.2.1:443', 'TCP 10.0.0.101:80']);
    await w.reload(next);
    await w.lb.stop();
    expect(w.ipvs.table.map((s) => serviceId(s.key))).toEqual(['TCP 192.0.2.1:443']);
  });

  it("after a reload, a kept checker's verdict holds: a re-check never puts back the real server it took out", async () => {
    // The lab's director test caught this: the verdict went to the virtual server as it was before the reload, so
    // each periodic re-check added the dead real server again (a flap every RECHECK_MS while it stayed down).
    const w = world(configOf(WEB()));
    await w.lb.start(() => false);
    await w.reload(configOf(WEB('    persistence_timeout: 60\n')));
    await w.reload(configOf(WEB()));
    await w.result('10.0.0.12:80', false);
    expect(w.ipvs.rows()).toEqual(['10.0.0.11:80 w1', '10.0.0.13:80 w3']);
    w.ipvs.ops.length = 0;
    const logged = w.lines.length;
    await w.advance(3 * RECHECK_MS);
    expect(w.ipvs.rows()).toEqual(['10.0.0.11:80 w1', '10.0.0.13:80 w3']);
    expect(w.ipvs.ops).toEqual([]);
    expect(w.lines.slice(logged).filter((l) => l.msg === 'IPVS brought in line with the configuration')).toEqual([]);
    // And it comes back when its checker says so.
    await w.result('10.0.0.12:80', true);
    expect(w.ipvs.rows()).toEqual(['10.0.0.11:80 w1', '10.0.0.12:80 w2', '10.0.0.13:80 w3']);
    expect(w.lb.report()[0]?.realServers.map((r) => r.alive)).toEqual([true, true, true]);
  });

  it('stop removes only what vipd programmed; lvs_flush_onstop flushes all; omega runs the down notifiers', async () => {
    const w = world(configOf(WEB('    omega: true\n    quorum_down: /bin/qdown\n')));
    await w.lb.start(() => false);
    await w.lb.stop();
    expect(w.ipvs.table.map((s) => serviceId(s.key))).toEqual(['TCP 192.0.2.1:443']);
    expect(w.scripts.sort()).toEqual(['/bin/qdown', '/bin/rs-down 11']);
    const f = world(configOf(WEB(), 'global_defs:\n  lvs_flush_onstop: true\n'));
    await f.lb.start(() => false);
    await f.lb.stop();
    expect(f.ipvs.table).toEqual([]);
  });

  it('nftables_ipvs: services before marks, marks put back when lost, a reload keeps the mark, stop unmarks first', async () => {
    const marked = (ranges: string) =>
      configOf(
        '  group WEB:\n    protocol: TCP\n    lb_kind: DR\n    real_server:\n      10.0.0.11 80: { TCP_CHECK: {} }\n',
        `global_defs:\n  nftables_ipvs: true\nvirtual_server_group:\n  WEB: [${ranges}]\n`,
      );
    const w = world(marked("'10.0.0.100-101 80'"));
    await w.lb.start(() => false);
    expect(w.ipvs.ops).toEqual([
      'add-service FWM 1000 inet',
      'add-dest FWM 1000 inet 10.0.0.11:0 w1',
      'mark keepalived_ipvs: TCP 10.0.0.100-10.0.0.101.80:1000',
    ]);
    // A checker's verdict touches the fwmark service only.
    w.ipvs.ops.length = 0;
    await w.result('10.0.0.11:80', false);
    expect(w.ipvs.ops).toEqual(['remove-dest FWM 1000 inet 10.0.0.11:0']);
    // The tables gone behind vipd: put back by the next re-check, with a warning.
    w.ipvs.ops.length = 0;
    w.marks.held = undefined;
    await w.advance(RECHECK_MS);
    expect(w.ipvs.ops).toEqual(['mark keepalived_ipvs: TCP 10.0.0.100-10.0.0.101.80:1000']);
    expect(w.lines.some((l) => l.msg === 'nftables_ipvs table changed behind vipd: put back')).toBe(true);
    // Unchanged, a re-check changes nothing.
    w.ipvs.ops.length = 0;
    await w.advance(RECHECK_MS);
    expect(w.ipvs.ops).toEqual([]);
    // A reload changes the ranges under the same mark; the service stays.
    await w.reload(marked("'10.0.0.100 80', '10.0.0.120 80'"));
    expect(w.ipvs.ops).toEqual([
      'mark keepalived_ipvs: TCP 10.0.0.100-10.0.0.100.80:1000, TCP 10.0.0.120-10.0.0.120.80:1000',
    ]);
    // Without nftables_ipvs: the group's addresses are services again, added before the marks go, and the fwmark
    // service removed after.
    w.ipvs.ops.length = 0;
    await w.reload(
      configOf(
        '  group WEB:\n    protocol: TCP\n    lb_kind: DR\n    real_server:\n      10.0.0.11 80: { TCP_CHECK: {} }\n',
        "virtual_server_group:\n  WEB: ['10.0.0.100 80']\n",
      ),
    );
    expect(w.ipvs.ops).toEqual(['add-service TCP 10.0.0.100:80', 'unmark', 'remove-service FWM 1000 inet']);
    // Stop: marks first, then the services.
    await w.reload(marked("'10.0.0.100 80'"));
    w.ipvs.ops.length = 0;
    await w.lb.stop();
    expect(w.ipvs.ops).toEqual(['unmark', 'remove-service FWM 1000 inet']);
  });

  it('nftables_ipvs on a kernel that refuses the marks: the services are there, one warning, tried at each re-check', async () => {
    const w = world(
      configOf(
        '  group WEB:\n    protocol: TCP\n    real_server:\n      10.0.0.11 80: {}\n',
        "global_defs:\n  nftables_ipvs: true\nvirtual_server_group:\n  WEB: ['10.0.0.100 80']\n",
      ),
    );
    let tries = 0;
    w.marks.mark = async () => {
      tries++;
      throw new Error('nft: Could not process rule: Operation not supported');
    };
    await w.lb.start(() => false);
    expect(w.ipvs.table.map((s) => serviceId(s.key))).toEqual(['TCP 192.0.2.1:443', 'FWM 1000 inet']);
    await w.advance(3 * RECHECK_MS);
    expect(tries).toBe(4);
    const warned = w.lines.filter((l) => l.msg === 'cannot set the nftables_ipvs marks: tried again at each re-check');
    expect(warned).toHaveLength(1);
  });

  it('the sync daemon follows its VRRP instance: master while MASTER, backup otherwise; stopped at stop', async () => {
    const w = world(
      configOf(
        WEB(),
        'global_defs:\n  lvs_sync_daemon: eth0 VI_1 id 4\nvrrp_instance:\n  VI_1: { interface: eth0, virtual_router_id: 1, virtual_ipaddress: [10.0.0.100] }\n',
      ),
    );
    await w.lb.start(() => false);
    w.lb.instanceState('VI_1', 'BACKUP');
    await w.settle();
    w.lb.instanceState('VI_1', 'MASTER');
    await w.settle();
    expect(w.ipvs.daemons.map((d) => `${d.state} ${d.interface} ${d.syncId}`)).toEqual(['master eth0 4']);
    // Stopped behind vipd's back (or by the kernel, its interface gone): started again by the next re-check.
    w.ipvs.daemons = [];
    await w.advance(RECHECK_MS);
    expect(w.ipvs.daemons.map((d) => d.state)).toEqual(['master']);
    w.lb.instanceState('VI_1', 'FAULT');
    await w.settle();
    await w.lb.stop();
    expect(w.ipvs.ops.filter((o) => o.includes('sync'))).toEqual([
      'start backup sync daemon',
      'stop backup sync daemon',
      'start master sync daemon',
      'start master sync daemon',
      'stop master sync daemon',
      'start backup sync daemon',
      'stop backup sync daemon',
    ]);
  });

  it('a sync daemon that could not be started is started by the next re-check, a second later', async () => {
    const w = world(
      configOf(
        WEB(),
        'global_defs:\n  lvs_sync_daemon: eth0 VI_1 id 4\nvrrp_instance:\n  VI_1: { interface: eth0, virtual_router_id: 1, virtual_ipaddress: [10.0.0.100] }\n',
      ),
    );
    await w.lb.start(() => false);
    w.ipvs.syncStartError = 'ETIMEDOUT';
    w.lb.instanceState('VI_1', 'BACKUP');
    await w.settle();
    expect(w.ipvs.daemons).toEqual([]);
    await w.advance(1_000);
    expect(w.ipvs.daemons.map((d) => d.state)).toEqual(['backup']);
    await w.lb.stop();
  });

  it('ha_suspend: checkers run only while vipd holds the virtual address', async () => {
    let held = false;
    const w = world(configOf(WEB('    ha_suspend: true\n')));
    await w.lb.start(() => held);
    expect([...w.checks.values()].some((c) => c.running)).toBe(false);
    expect(w.ipvs.rows()).toHaveLength(3); // the table is programmed whatever the VRRP state
    held = true;
    w.lb.instanceState('VI_1', 'MASTER');
    expect([...w.checks.values()].every((c) => c.running)).toBe(true);
    held = false;
    w.lb.instanceState('VI_1', 'BACKUP');
    expect([...w.checks.values()].some((c) => c.running)).toBe(false);
  });

  it('status: virtual servers with real servers, their table weight and checker verdicts', async () => {
    const w = world(configOf(WEB('    inhibit_on_failure: true\n')));
    await w.lb.start(() => false);
    await w.result('10.0.0.12:80', false);
    const [vs] = w.lb.report();
    expect(vs).toMatchObject({ name: '10.0.0.100 80', scheduler: 'wrr', quorumUp: true });
    // The kernel's counters as of a refresh (a status request reads them at once).
    (w.ipvs.table[1] as IpvsService).counters = {
      connections: 9,
      packetsIn: 1,
      packetsOut: 1,
      bytesIn: 1,
      bytesOut: 1,
    };
    expect(w.lb.report()[0]?.services[0]?.counters?.connections).toBeUndefined();
    await w.lb.refreshCounters();
    expect(w.lb.report()[0]?.services[0]?.counters?.connections).toBe(9);
    expect(vs?.realServers.map((r) => [r.address, r.alive, r.tableWeight, r.checkers[0]?.reason])).toEqual([
      ['10.0.0.11', true, 1, 'not run yet'],
      ['10.0.0.12', false, 0, 'refused'],
      ['10.0.0.13', true, 3, 'not run yet'],
    ]);
  });
});
