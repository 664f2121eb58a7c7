/** The pure virtual-server rules: initial state, checker verdicts, quorum with hysteresis, sorry server, table rows. */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { VipdConfig, VirtualServerConfig } from '../../src/core/config/model.js';
import { formatIssue } from '../../src/core/config/result.js';
import {
  applyVerdict,
  carryState,
  desiredServices,
  expandRange,
  initialState,
  nextQuorum,
  serviceKeys,
  type VirtualServerState,
} from '../../src/core/ipvs/virtual-server.js';
import { memHost } from '../config/keepalived/helpers.js';

function load(text: string): VipdConfig {
  const r = parseKeepalivedToConfig(text, 'k.conf', { host: memHost({}) });
  expect(r.errors.map(formatIssue)).toEqual([]);
  return r.config as VipdConfig;
}
const vsOf = (body: string, reals = REALS): VirtualServerConfig =>
  load(`virtual_server 10.0.0.100 80 {\nprotocol TCP\n${body}\n${reals}\n}\n`).virtualServers[0] as VirtualServerConfig;
const REALS = [11, 12, 13]
  .map((n) => `real_server 10.0.0.${n} 80 {\n weight ${n - 10}\n TCP_CHECK {\n connect_timeout 1\n }\n}`)
  .join('\n');
const rows = (vs: VirtualServerConfig, st: VirtualServerState) =>
  desiredServices(vs, st, new Map())[0]?.dests.map((d) => `${d.address}:${d.port} ${d.method} w${d.weight}`);
const down = (vs: VirtualServerConfig, st: VirtualServerState, i: number) => applyVerdict(vs, st, i, 0, { up: false });
const up = (vs: VirtualServerConfig, st: VirtualServerState, i: number) => applyVerdict(vs, st, i, 0, { up: true });

describe('real servers in the table', () => {
  it('every real server is in the table at start, before any check (keepalived 2.2.7)', () => {
    const vs = vsOf('lb_kind DR');
    expect(rows(vs, initialState(vs))).toEqual(['10.0.0.11:80 DR w1', '10.0.0.12:80 DR w2', '10.0.0.13:80 DR w3']);
  });

  it('alpha: none until its checker passes; then quorum comes up', () => {
    const vs = vsOf('alpha');
    let st = initialState(vs);
    expect(rows(vs, st)).toEqual([]);
    expect(st.quorumUp).toBe(false);
    const r = up(vs, st, 1);
    st = r.state;
    expect(r.events).toEqual([
      { kind: 'real-server', index: 1, up: true },
      { kind: 'quorum', up: true },
    ]);
    expect(rows(vs, st)).toEqual(['10.0.0.12:80 NAT w2']);
  });

  it('a failed real server leaves the table; with inhibit_on_failure it stays at weight 0', () => {
    const plain = vsOf('');
    expect(rows(plain, down(plain, initialState(plain), 0).state)).toEqual([
      '10.0.0.12:80 NAT w2',
      '10.0.0.13:80 NAT w3',
    ]);
    const inhibit = vsOf('inhibit_on_failure');
    expect(rows(inhibit, down(inhibit, initialState(inhibit), 0).state)).toEqual([
      '10.0.0.11:80 NAT w0',
      '10.0.0.12:80 NAT w2',
      '10.0.0.13:80 NAT w3',
    ]);
  });

  it('lb_algo mh: a failed real server stays at weight 0, in its place (its Maglev table keeps its order)', () => {
    const mh = vsOf('lb_algo mh\nsorry_server 10.0.0.200 80\nquorum 4');
    const st = down(mh, initialState(mh), 0).state;
    expect(rows(mh, st)).toEqual(['10.0.0.11:80 NAT w0', '10.0.0.12:80 NAT w2', '10.0.0.13:80 NAT w3']);
    // The quorum lost: the sorry server joins at the end, the real servers stay at weight 0.
    expect(rows(mh, down(mh, st, 2).state)).toEqual([
      '10.0.0.11:80 NAT w0',
      '10.0.0.12:80 NAT w0',
      '10.0.0.13:80 NAT w0',
      '10.0.0.200:80 NAT w1',
    ]);
  });

  it('a real server with two checkers is alive only while both are up', () => {
    const vs = vsOf('', 'real_server 10.0.0.11 80 {\n TCP_CHECK {\n }\n HTTP_GET {\n url {\n path /\n }\n }\n}');
    let st = initialState(vs);
    st = applyVerdict(vs, st, 0, 1, { up: false }).state;
    expect(rows(vs, st)).toEqual([]);
    st = applyVerdict(vs, st, 0, 0, { up: true }).state;
    expect(rows(vs, st)).toEqual([]);
    const r = applyVerdict(vs, st, 0, 1, { up: true });
    expect(r.events).toContainEqual({ kind: 'real-server', index: 0, up: true });
    expect(rows(vs, r.state)).toEqual(['10.0.0.11:80 NAT w1']);
  });

  it('misc_dynamic sets the weight while up; a repeated verdict changes nothing', () => {
    const vs = vsOf(
      '',
      'real_server 10.0.0.11 80 {\n weight 5\n MISC_CHECK {\n misc_path /bin/true\n misc_dynamic\n }\n}',
    );
    const st = initialState(vs);
    const r = applyVerdict(vs, st, 0, 0, { up: true, adjust: 10 - 5 });
    expect(rows(vs, r.state)).toEqual(['10.0.0.11:80 NAT w10']);
    expect(r.events).toEqual([]);
    expect(applyVerdict(vs, r.state, 0, 0, { up: true, adjust: 5 }).state).toBe(r.state);
  });
});

describe('quorum, hysteresis and the sorry server', () => {
  it('nextQuorum: lost below quorum − hysteresis or at 0, gained at quorum + hysteresis', () => {
    const q = { quorum: 4, hysteresis: 1 };
    expect([5, 4, 3, 2].map((s) => nextQuorum(q, true, s))).toEqual([true, true, true, false]);
    expect([3, 4, 5, 6].map((s) => nextQuorum(q, false, s))).toEqual([false, false, true, true]);
    expect(nextQuorum({ quorum: 1, hysteresis: 5 }, true, 0)).toBe(false);
  });

  it('all down → the sorry server, weight 1, with the virtual server method; all back → the real servers', () => {
    const vs = vsOf('lb_kind DR\nsorry_server 10.0.0.200 80');
    let st = initialState(vs);
    st = down(vs, st, 0).state;
    st = down(vs, st, 1).state;
    const last = down(vs, st, 2);
    expect(last.events).toEqual([
      { kind: 'real-server', index: 2, up: false },
      { kind: 'quorum', up: false },
    ]);
    expect(rows(vs, last.state)).toEqual(['10.0.0.200:80 DR w1']);
    const back = up(vs, last.state, 0);
    expect(back.events).toContainEqual({ kind: 'quorum', up: true });
    expect(rows(vs, back.state)).toEqual(['10.0.0.11:80 DR w1']);
  });

  it('an inhibited real server stays beside the sorry server at weight 0 (keepalived 2.2.7)', () => {
    const vs = vsOf('inhibit_on_failure\nsorry_server 10.0.0.200 80\nsorry_server_lvs_method DR');
    let st = initialState(vs);
    for (const i of [0, 1, 2]) st = down(vs, st, i).state;
    expect(rows(vs, st)).toEqual([
      '10.0.0.11:80 NAT w0',
      '10.0.0.12:80 NAT w0',
      '10.0.0.13:80 NAT w0',
      '10.0.0.200:80 DR w1',
    ]);
  });

  it('quorum lost with servers still alive: the sorry server replaces them; without one they stay', () => {
    const withSorry = vsOf('quorum 5\nsorry_server 10.0.0.200 80');
    const st = down(withSorry, initialState(withSorry), 1).state; // 1 + 3 = 4 < 5
    expect(st.quorumUp).toBe(false);
    expect(rows(withSorry, st)).toEqual(['10.0.0.200:80 NAT w1']);
    const without = vsOf('quorum 5');
    expect(rows(without, down(without, initialState(without), 1).state)).toEqual([
      '10.0.0.11:80 NAT w1',
      '10.0.0.13:80 NAT w3',
    ]);
  });

  it('hysteresis: quorum 4 hysteresis 1 over weights 1+2+3 holds at 3 and is regained at 5', () => {
    const vs = vsOf('quorum 4\nhysteresis 1');
    let st = initialState(vs);
    st = down(vs, st, 2).state; // 3
    expect(st.quorumUp).toBe(true);
    st = down(vs, st, 1).state; // 1
    expect(st.quorumUp).toBe(false);
    st = up(vs, st, 2).state; // 4
    expect(st.quorumUp).toBe(false);
    st = up(vs, st, 1).state; // 6
    expect(st.quorumUp).toBe(true);
  });

  it('sorry_server_inhibit keeps the sorry server at weight 0 while it is not needed', () => {
    const vs = vsOf(
      'sorry_server 10.0.0.200 80\nsorry_server_inhibit',
      'real_server 10.0.0.11 80 {\n TCP_CHECK {\n }\n}',
    );
    expect(rows(vs, initialState(vs))).toEqual(['10.0.0.11:80 NAT w1', '10.0.0.200:80 NAT w0']);
  });
});

describe('service parameters and keys', () => {
  it('persistence_timeout alone gives -p 360 with the full netmask; granularity sets the mask', () => {
    const vs = vsOf('persistence_timeout\nlb_algo rr');
    const [svc] = desiredServices(vs, initialState(vs), new Map());
    expect(svc).toMatchObject({ scheduler: 'rr', flags: 1, timeoutS: 360, netmask: 0xffffffff });
    const g = vsOf('persistence_timeout 60\npersistence_granularity 24');
    expect(desiredServices(g, initialState(g), new Map())[0]).toMatchObject({ timeoutS: 60, netmask: 0xffffff00 });
  });

  it('a group expands into one service per address and fwmark, each with the same destinations', () => {
    const c = load(
      'virtual_server_group G {\n  10.0.0.1-3 80\n  fwmark 7\n}\nvirtual_server group G {\n protocol TCP\n real_server 10.0.0.11 80 {\n }\n}\n',
    );
    const vs = c.virtualServers[0] as VirtualServerConfig;
    const groups = new Map(c.virtualServerGroups.map((g) => [g.name, g]));
    expect(serviceKeys(vs, groups)).toEqual([
      { family: 4, protocol: 'TCP', address: '10.0.0.1', port: 80 },
      { family: 4, protocol: 'TCP', address: '10.0.0.2', port: 80 },
      { family: 4, protocol: 'TCP', address: '10.0.0.3', port: 80 },
      { family: 4, fwmark: 7 },
    ]);
    expect(desiredServices(vs, initialState(vs), groups).map((s) => s.dests.length)).toEqual([1, 1, 1, 1]);
    expect(expandRange('2001:db8::fe', '2001:db8::101')).toEqual([
      '2001:db8::fe',
      '2001:db8::ff',
      '2001:db8::100',
      '2001:db8::101',
    ]);
  });
});

describe('reload: state carried by identity', () => {
  it('a real server kept keeps its down state (never re-enabled by a reload); a new one starts alive', () => {
    const before = vsOf('');
    const st = down(before, initialState(before), 0).state;
    const after = vsOf('lb_algo wrr', `${REALS}\nreal_server 10.0.0.14 80 {\n TCP_CHECK {\n connect_timeout 1\n }\n}`);
    const carried = carryState(before, st, after);
    expect(rows(after, carried)).toEqual(['10.0.0.12:80 NAT w2', '10.0.0.13:80 NAT w3', '10.0.0.14:80 NAT w1']);
  });

  it('a changed checker is a new checker (starts from its initial state)', () => {
    const before = vsOf('');
    const st = down(before, initialState(before), 0).state;
    const after = vsOf('', REALS.replace('connect_timeout 1', 'connect_timeout 2'));
    expect(rows(after, carryState(before, st, after))).toHaveLength(3);
  });
});
