/**
 * A director pair on a real IPVS (user-mode Linux): two vipd directors with VRRP and lvs_sync_daemon, DR to two
 * real servers. The master director dies (kill -9, then its link goes, as a machine that stops) while a client
 * holds a long-lived TCP connection through the VIP: with the sync daemon the connection survives on the new
 * master; without it (the control run, same steps) it breaks, which shows the test can fail.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunUmlLab, UmlLab } from '../helpers/uml-lab.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIB = path.join(REPO, 'test/helpers/uml/lab-lib.sh');

const director = (priority: number, sync: boolean) => `global_defs {
${sync ? '  lvs_sync_daemon eth0 VI_1 id 5\n' : ''}}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  version 3
  advert_int 0.1
  priority ${priority}
  virtual_ipaddress {
    10.0.0.100/24
  }
}
virtual_server 10.0.0.100 9000 {
  delay_loop 1
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 10.0.0.11 9000 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
  real_server 10.0.0.12 9000 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
}
`;

describe.skipIf(!canRunUmlLab())('a director pair with the IPVS sync daemon (user-mode Linux)', () => {
  let lab: UmlLab;
  const sh = (script: string, timeoutMs?: number) =>
    lab.sh(`W=${lab.work} REPO=${REPO}; source ${LIB}\n${script}`, timeoutMs);

  beforeAll(async () => {
    lab = await UmlLab.boot();
    await sh('lab_topology; for n in rs1 rs2; do echo_start $n; done; rs_vip_on lo');
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  });

  /** Starts both directors, holds a connection, kills the master; returns the echo transcript and the daemons. */
  async function failover(sync: boolean): Promise<{ echo: string; daemons: string; master: string }> {
    writeFileSync(lab.file('d1.conf'), director(200, sync));
    writeFileSync(lab.file('d2.conf'), director(100, sync));
    await sh('for n in dir1 dir2; do ip -n ivl-$n link set eth0 up; done; ip -n ivl-sw link set p-dir1 up');
    await sh('vipd_start $W/d1.conf dir1; vipd_start $W/d2.conf dir2');
    // Both directors ready: the VIP on director 1, the table on director 2 and (with sync) its backup sync daemon
    // listening, or the connection's first sync messages may go unheard (IPVS repeats them only every 50 packets).
    const syncUp = sync ? ' && ns dir2 ipvsadm -L --daemon | grep -q backup' : '';
    await lab.waitFor(
      `W=${lab.work}; source ${LIB}; ip -n ivl-dir1 addr show eth0 | grep -q 10.0.0.100 && table dir2 | grep -q 10.0.0.12${syncUp}`,
      30_000,
    );
    await sh('rm -f $W/echo.out; ip -n ivl-cli neigh flush all');
    // The client: a line every 100 ms on one TCP connection, each echo awaited at most 3 s.
    await sh(
      `(ns cli bash -c 'exec 3<>/dev/tcp/10.0.0.100/9000 || exit 1; for i in $(seq 80); do echo ping-$i >&3; read -t 3 line <&3 || { echo BROKEN at $i; exit 1; }; echo "$line"; sleep 0.1; done; echo DONE' >"$W/echo.out" 2>&1 &)`,
    );
    await lab.waitFor(`grep -q ping-15 ${lab.file('echo.out')}`, 15_000);
    const daemons = await sh('ns dir2 ipvsadm -L --daemon; ns dir2 ipvsadm -Lnc | grep -c ESTABLISHED || true');
    // The master director dies: its vipd at once, then its link, as a machine that stops.
    await sh('vipd_kill9 dir1; ip -n ivl-sw link set p-dir1 down');
    await lab.waitFor(`grep -q 'DONE\\|BROKEN' ${lab.file('echo.out')}`, 30_000);
    const echo = await sh('cat $W/echo.out');
    const master = await sh('ip -n ivl-dir2 addr show eth0 | grep -c 10.0.0.100 || true');
    await sh(
      'vipd_stop dir2; ip -n ivl-dir1 addr flush dev eth0; ip -n ivl-dir1 addr add 10.0.0.1/24 dev eth0; ns dir1 ipvsadm -C; ns dir1 ipvsadm --stop-daemon master 2>/dev/null; true',
    );
    return { echo, daemons, master: master.trim() };
  }

  it('with lvs_sync_daemon: the connection survives the master director dying', async () => {
    const r = await failover(true);
    expect(r.daemons).toMatch(/backup sync daemon \(mcast=eth0, syncid=5/);
    expect(r.master).toBe('1'); // director 2 holds the VIP
    expect(r.echo).not.toContain('BROKEN');
    expect(r.echo).toContain('ping-80');
    expect(r.echo.trim().endsWith('DONE')).toBe(true);
  }, 120_000);

  it('control: without the sync daemon the same failover breaks the connection', async () => {
    const r = await failover(false);
    expect(r.master).toBe('1');
    expect(r.echo).toContain('BROKEN');
  }, 120_000);
});
