/**
 * KEEPALIVED-MIB's checker part (enable_snmp_checker) on a real IPVS (user-mode Linux), keepalived 2.2.7 as the
 * oracle: one snmpd (`master agentx`) in the director's namespace; keepalived's checker and then vipd run on the same
 * keepalived.conf as its subagent, and `snmpwalk` of the global and checker subtrees must give the same objects,
 * types and values, once every real server's checker has settled; then a real server goes down, and both send the
 * same notification and answer the same walk again.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunUmlLab, labShell, UmlLab } from '../helpers/uml-lab.js';

const SOCKET = '/run/agentx.sock';
const SUBTREES = ['.1.3.6.1.4.1.9586.100.5.1', '.1.3.6.1.4.1.9586.100.5.3'];

/** A director of every kind of virtual server keepalived describes: address, group (address, range, fwmark), fwmark. */
const CONFIG = `global_defs {
  router_id lab-d1
  enable_snmp_checker
  enable_traps
  snmp_socket ${SOCKET}
  lvs_timeouts tcp 900 tcpfin 30 udp 300
  lvs_sync_daemon eth0 VI_1 id 5 maxlen 1400 port 8848 ttl 2 group 239.1.2.3
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100/24
  }
}
virtual_server_group G1 {
  10.0.0.101 80
  10.0.0.102-103 80
  fwmark 7
}
virtual_server 10.0.0.100 80 {
  delay_loop 2
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  persistence_timeout 60
  persistence_granularity 255.255.255.0
  quorum 1
  hysteresis 0
  quorum_up "/bin/true up"
  retry 2
  sorry_server 10.0.0.13 80
  real_server 10.0.0.11 80 {
    weight 2
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 10.0.0.12 80 {
    weight 3
    uthreshold 100
    lthreshold 10
    inhibit_on_failure
    notify_up "/bin/true rs up"
    delay_before_retry 1
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 1
    }
  }
}
virtual_server group G1 {
  delay_loop 3
  lb_algo rr
  lb_kind DR
  protocol TCP
  warmup 0
  real_server 10.0.0.11 80 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server fwmark 9 {
  delay_loop 2
  lb_algo sh
  sh-port
  lb_kind TUN
  real_server 10.0.0.12 {
    TCP_CHECK {
      connect_port 80
      connect_timeout 1
    }
  }
}
`;

describe.skipIf(!canRunUmlLab())('SNMP: the checker MIB as keepalived 2.2.7 serves it (user-mode Linux)', () => {
  let lab: UmlLab;
  const { sh, waitFor } = labShell(() => lab);

  beforeAll(async () => {
    lab = await UmlLab.boot();
    writeFileSync(
      lab.file('snmpd.conf'),
      `master agentx\nagentXSocket ${SOCKET}\nagentaddress udp:127.0.0.1:1161\nrocommunity public 127.0.0.1\n` +
        'trap2sink 127.0.0.1:1162 public\n',
    );
    writeFileSync(lab.file('snmptrapd.conf'), 'disableAuthorization yes\nsnmpTrapdAddr udp:127.0.0.1:1162\n');
    writeFileSync(lab.file('k.conf'), CONFIG);
    await sh(
      'lab_topology; httpd_start rs1; ip -n ivl-dir1 link set lo up; ' +
        '(ns dir1 snmpd -f -Lf $W/snmpd.log -C -c $W/snmpd.conf -p /run/snmpd.pid &); ' +
        '(ns dir1 snmptrapd -f -Lf $W/traps.log -On -C -c $W/snmptrapd.conf -F "TRAP %v\\n" -p /run/trapd.pid &)',
    );
    await waitFor(`test -S ${SOCKET}`, 20_000);
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  });

  /**
   * The walk, one line per object; what depends on the moment (counters of the checks' own connections) as N. A
   * walk begun while the daemon is still starting can be answered one slow object at a time: it is cut short (and
   * counts as not settled, so the caller walks again) rather than failing the test.
   */
  const walk = async (): Promise<string[]> => {
    const lines: string[] = [];
    for (const t of SUBTREES) {
      const out = await sh(
        `ns dir1 timeout 15 snmpwalk -v2c -c public -On -t 2 -r 1 127.0.0.1:1161 ${t} || true`,
        20_000,
      );
      lines.push(...out.split('\n').filter((l) => l.startsWith('.')));
    }
    // The version is each program's own.
    return lines.map((l) => l.replace(/^(\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.1\.1\.0 = STRING: ).*/, '$1VERSION'));
  };
  /** The checker notifications received so far, each as its varbinds after sysUpTime.0. */
  const traps = async (): Promise<string[]> =>
    (await sh('cat $W/traps.log 2>/dev/null || true'))
      .split('\n')
      .filter((l) => l.startsWith('TRAP ') && l.includes('9586.100.5.3.5.0'))
      .map((l) => l.slice(5).split('\t').slice(1).join(' | '));
  /** Both real servers of the first virtual server up, in the walk, and the global part registered. */
  const settled = (lines: string[]) =>
    [
      '.1.3.6.1.4.1.9586.100.5.1.1.0 = STRING: VERSION',
      '.1.3.6.1.4.1.9586.100.5.3.4.1.6.1.2 = INTEGER: 1',
      '.1.3.6.1.4.1.9586.100.5.3.4.1.6.1.3 = INTEGER: 1',
    ].every((l) => lines.includes(l));
  const down = (lines: string[]) => lines.includes('.1.3.6.1.4.1.9586.100.5.3.4.1.6.1.3 = INTEGER: 2');

  async function run(start: string, stop: string): Promise<{ before: string[]; after: string[]; traps: string[] }> {
    // (snmptrapd's log is only ever appended to: a truncated file would be written on at its old offset.)
    await sh('ns dir1 ipvsadm -C; httpd_stop rs2; httpd_start rs2');
    await sh(start);
    let before: string[] = [];
    for (let i = 0; i < 30 && !settled(before); i++) {
      before = await walk();
      if (!settled(before)) await sh('sleep 0.5');
    }
    const trapsBefore = (await traps()).length;
    // rs2 (10.0.0.12) stops answering: its HTTP_GET fails.
    await sh('httpd_stop rs2');
    let after: string[] = [];
    for (let i = 0; i < 30 && !down(after); i++) {
      after = await walk();
      if (!down(after)) await sh('sleep 0.5');
    }
    // A walk is not one moment: one that began while the checker was changing its verdict is walked again.
    await sh('sleep 2');
    after = await walk();
    const received = (await traps()).slice(trapsBefore);
    await sh(stop);
    return { before, after, traps: received };
  }

  it('vipd answers the walk keepalived answers, before and after a real server goes down, and sends its notification', async () => {
    const theirs = await run('ka_start $W/k.conf dir1', 'ka_stop dir1');
    expect(settled(theirs.before), theirs.before.join('\n')).toBe(true);
    const ours = await run('vipd_start $W/k.conf dir1', 'vipd_stop dir1');
    expect(settled(ours.before), ours.before.join('\n')).toBe(true);
    expect(ours.before).toEqual(theirs.before);
    expect(ours.after).toEqual(theirs.after);
    expect(theirs.traps.length).toBeGreaterThan(0);
    // The same notifications; two virtual servers' checkers find the real server down in either order.
    expect([...ours.traps].sort()).toEqual([...theirs.traps].sort());
  }, 240_000);
});
