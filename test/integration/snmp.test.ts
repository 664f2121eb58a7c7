/**
 * SNMP (enable_snmp_vrrp, enable_snmp_rfcv2, enable_snmp_rfcv3) with keepalived 2.2.7 as the oracle: one snmpd
 * (`master agentx`) in a namespace, keepalived and then vipd run on the same keepalived.conf as its subagent, and
 * `snmpwalk` of KEEPALIVED-MIB's VRRP part, VRRP-MIB (RFC 2787) and VRRPv3-MIB (RFC 6527) must give the same
 * objects, types and values (times and the adverts counted so far aside), and snmptrapd the same notifications.
 * Two instances: a VRRPv2 master alone in a sync group, and a VRRPv3 unicast backup under a peer (so the master
 * address is another router's).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

const SUBTREES = ['.1.3.6.1.4.1.9586.100.5.2', '.1.3.6.1.2.1.68', '.1.3.6.1.2.1.207'];
const PORT = 1161;
const TRAP_PORT = 1162;
/**
 * At start each instance enters BACKUP (one notification each) and so does G1; VI_1 then MASTER (keepalived's and
 * both RFCs'), and G1 with it.
 */
const TRAPS_AT_START = 7;

/** Counts that depend on how long each ran: the RFC statistics' adverts received. */
const VOLATILE = [/^\.1\.3\.6\.1\.2\.1\.68\.2\.4\.1\.2\./, /^\.1\.3\.6\.1\.2\.1\.207\.1\.2\.5\.1\.3\./];

function config(socket: string, peer: string, self: string): string {
  return `global_defs {
  router_id lab-r1
  enable_snmp_vrrp
  enable_snmp_rfcv2
  enable_snmp_rfcv3
  enable_traps
  snmp_socket ${socket}
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  virtual_router_id 61
  priority 150
  advert_int 1
  notify_master "/usr/bin/true master"
  virtual_ipaddress {
    192.0.2.61/24
    192.0.2.62/24
  }
}
vrrp_sync_group G1 {
  group {
    VI_1
  }
  notify_master "/usr/bin/true group"
}
vrrp_instance VI_2 {
  interface eth0
  version 3
  virtual_router_id 62
  priority 100
  advert_int 0.5
  unicast_src_ip ${self}
  unicast_peer {
    ${peer}
  }
  virtual_ipaddress {
    192.0.2.63/24
  }
}
`;
}

describe.skipIf(!canRunNetns())('SNMP: the VRRP MIBs as keepalived 2.2.7 serves them', () => {
  let lab: Lab;
  let dir: string;
  afterEach(() => {
    lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('vipd and keepalived answer the same walk, and vipd follows a takeover', async () => {
    lab = Lab.create('snmp', ['r1', 'r2']);
    dir = mkdtempSync(path.join(tmpdir(), 'vipd-snmp-'));
    const socket = path.join(dir, 'agentx.sock');
    writeFileSync(
      path.join(dir, 'snmpd.conf'),
      `master agentx\nagentXSocket ${socket}\nagentaddress udp:127.0.0.1:${PORT}\nrocommunity public 127.0.0.1\n` +
        `trap2sink 127.0.0.1:${TRAP_PORT} public\n`,
    );
    // The notifications snmpd forwards, one line each (its varbinds), in a file.
    writeFileSync(
      path.join(dir, 'snmptrapd.conf'),
      `disableAuthorization yes\nsnmpTrapdAddr udp:127.0.0.1:${TRAP_PORT}\n`,
    );
    const trapLog = path.join(dir, 'traps.log');
    lab.spawn('r1', 'snmptrapd', [
      ...['-f', '-Lf', trapLog, '-On', '-C', '-c', path.join(dir, 'snmptrapd.conf'), '-F', 'TRAP %v\n'],
      ...['-p', path.join(dir, 'trapd.pid')],
    ]);
    /** The VRRP notifications received so far, each as its varbinds after sysUpTime.0. */
    const traps = (): string[] => {
      let text = '';
      try {
        text = readFileSync(trapLog, 'latin1');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((l) => l.startsWith('TRAP ') && /4\.1\.0 = OID: \.1\.3\.6\.1\.(2\.1\.(68|207)|4\.1\.9586)\./.test(l))
        .map((l) => l.slice(5).split('\t').slice(1).join(' | '));
    };
    lab.exec('r1', 'ip', 'link', 'set', 'lo', 'up');
    // Its log to a file: a pipe nobody reads would fill up with a line per request and stop snmpd.
    const conf = path.join(dir, 'snmpd.conf');
    lab.spawn('r1', 'snmpd', ['-f', '-Lf', path.join(dir, 'snmpd.log'), '-C', '-c', conf, '-p', path.join(dir, 'pid')]);
    await waitFor(
      () => (lab.tryExec('r1', 'test', '-S', socket) !== undefined ? true : undefined),
      10_000,
      50,
      'snmpd',
    );
    // One try of one second each: a walk that cannot be answered yet is tried again by the waits below.
    const walk = (): string[] =>
      SUBTREES.flatMap((t) =>
        (
          lab.tryExec('r1', 'snmpwalk', '-v2c', '-c', 'public', '-On', '-t', '1', '-r', '0', `127.0.0.1:${PORT}`, t) ??
          ''
        ).split('\n'),
      )
        .filter((l) => l.startsWith('.'))
        .map((l) => l.replace(/Timeticks: .*/, 'Timeticks'))
        .map((l) => (VOLATILE.some((v) => v.test(l)) ? l.replace(/= (\w+): \d+$/, '= $1: N') : l));
    const stateOf = (lines: string[], vrid: number) =>
      lines.find((l) => l.startsWith(`.1.3.6.1.2.1.207.1.1.1.1.6.`) && l.includes(`.${vrid}.1 =`))?.split(': ')[1];
    const r1 = lab.host('r1').ipv4;
    const r2 = lab.host('r2').ipv4;
    // The peer: master of VI_2 (priority 200), so r1's VI_2 stays a backup.
    const peer = new VipdRouter(lab, 'r2', { name: 'VI_2', vrid: 62, vips: ['192.0.2.63/24'] });
    peer.opts.configText = `vrrp_instance VI_2 {\n  interface eth0\n  version 3\n  virtual_router_id 62\n  priority 200\n  advert_int 0.5\n  unicast_src_ip ${r2}\n  unicast_peer {\n    ${r1}\n  }\n  virtual_ipaddress {\n    192.0.2.63/24\n  }\n}\n`;
    peer.start();
    await waitFor(() => (peer.state() === 'MASTER' ? true : undefined), 10_000, 50, 'peer master');

    const settled = (lines: string[]) => stateOf(lines, 61) === '3' && stateOf(lines, 62) === '2';
    // A walk is several requests: taken when two in a row agree, both settled.
    let previous: string[] = [];
    const stableWalk = () => {
      const w = walk();
      const same = settled(w) && JSON.stringify(w) === JSON.stringify(previous);
      previous = w;
      return same ? w : undefined;
    };
    const ka = new KeepalivedRouter(lab, 'r1', { name: 'VI_1', vrid: 61, vips: [] });
    ka.opts.configText = config(socket, r2, r1);
    ka.start();
    // Walked once both instances have settled (keepalived's log says so): the walk then finds them settled.
    await waitFor(
      () => (/VI_1\) Entering MASTER/.test(ka.log) && /VI_2\) Entering BACKUP/.test(ka.log) ? true : undefined),
      15_000,
      50,
      'keepalived: VI_1 master, VI_2 backup',
    );
    const oracle = await waitFor(stableWalk, 15_000, 250, 'keepalived registered, VI_1 master and VI_2 backup');
    const oracleTraps = await waitFor(
      () => {
        const t = traps();
        return t.length >= TRAPS_AT_START ? t : undefined;
      },
      10_000,
      50,
      "keepalived's notifications",
    );
    ka.signal('SIGTERM');
    await ka.exited(10_000);
    // keepalived's last notifications (its instances stopping) pass through snmpd after it has exited: vipd's are
    // those after the count has stood still for half a second.
    let last = -1;
    let still = 0;
    const before = await waitFor(
      () => {
        const n = traps().length;
        still = n === last ? still + 1 : 0;
        last = n;
        return still >= 10 ? n : undefined;
      },
      10_000,
      50,
      "keepalived's last notifications",
    );

    const vipd = new VipdRouter(lab, 'r1', { name: 'VI_1', vrid: 61, vips: [] });
    vipd.opts.configText = config(socket, r2, r1);
    vipd.start();
    previous = [];
    await waitFor(
      () => (vipd.lines().some((l) => l.msg?.startsWith('SNMP: serving')) ? true : undefined),
      15_000,
      50,
      'vipd registered with snmpd',
    );
    const ours = await waitFor(stableWalk, 15_000, 250, 'vipd registered, VI_1 master and VI_2 backup');
    expect(oracle.length).toBeGreaterThan(80);
    // keepalived 2.2.7 marks every VIP after its first instance's as not advertised (its iteration keeps the flag
    // of the first instance's excluded list): vipd says advertised, as the MIB means. The one row that differs.
    const advertised = '.1.3.6.1.4.1.9586.100.5.2.6.1.11.2.1 = INTEGER: ';
    expect(oracle).toContain(`${advertised}2`);
    expect(ours).toContain(`${advertised}1`);
    const same = (w: string[]) => w.filter((l) => !l.startsWith(advertised));
    expect(same(ours)).toEqual(same(oracle));
    // The same notifications at start (the two instances' first ones may come in either order).
    const ourTraps = await waitFor(
      () => {
        const t = traps().slice(before);
        return t.length >= TRAPS_AT_START ? t : undefined;
      },
      10_000,
      50,
      "vipd's notifications",
    );
    expect(oracleTraps).toHaveLength(TRAPS_AT_START);
    expect([...ourTraps].sort()).toEqual([...oracleTraps].sort());

    // The peer goes: vipd's VI_2 takes over, and the MIBs say so (master, the master address its own).
    peer.hardKill();
    await waitFor(() => (stateOf(walk(), 62) === '3' ? true : undefined), 10_000, 100, 'VI_2 master in the MIB');
    // A walk is many requests, each answered from the state then: the one that saw the change may have read the
    // master address (an earlier column) before it. The next walk is all after it.
    const after = walk();
    const hex = r1
      .split('.')
      .map((b) => Number(b).toString(16).toUpperCase().padStart(2, '0'))
      .join(' ');
    expect(after.find((l) => l.startsWith('.1.3.6.1.2.1.207.1.1.1.1.3.') && l.includes('.62.1 ='))).toContain(hex);
    vipd.signal('SIGTERM');
    await vipd.exited(10_000);
  });
});
