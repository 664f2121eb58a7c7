/**
 * Two active directors behind ECMP on a real IPVS (user-mode Linux, issue 22): the client's namespace is also the
 * upstream router (FRR bgpd with maximum-paths, ports hashed), each director runs FRR and vipd, announcing the VIP
 * while its virtual server (lb_algo mh, DR) has quorum and a tracked file says healthy. 600 long-lived TCP
 * connections spread over both directors; one director withdrawn by its failing tracker: its connections move to
 * the other, whose Maglev table is the same and which takes them mid-way (sloppy_tcp), so every one keeps working,
 * to the same real server, with no reset.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunUmlLab, UmlLab } from '../helpers/uml-lab.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIB = path.join(REPO, 'test/helpers/uml/lab-lib.sh');
const CONNECTIONS = 600;

/** One process answering every line with the server's name, so the client sees which real server it talks to. */
const ECHO = `import selectors, socket, sys
name = sys.argv[1].encode()
sel = selectors.DefaultSelector()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('0.0.0.0', 9000))
srv.listen(4096)
srv.setblocking(False)
sel.register(srv, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is srv:
            c, _ = srv.accept()
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            data = s.recv(4096)
        except OSError:
            data = b''
        if not data:
            sel.unregister(s)
            s.close()
            continue
        s.sendall(name + b' ' + data)
`;

/**
 * The client: N connections to VIP:9000, each sending a line every 200 ms for `seconds` and reading the answer; a
 * connection fails on a reset, a timeout or a change of real server; `stale`: those without an answer in the last 3 s
 * of the run. Prints a JSON summary.
 */
const CLIENT = `import json, selectors, socket, sys, time
n, seconds = int(sys.argv[1]), float(sys.argv[2])
sel = selectors.DefaultSelector()
conns = []
for i in range(n):
    s = socket.create_connection(('10.0.0.100', 9000), timeout=5)
    s.setblocking(False)
    c = {'s': s, 'server': None, 'failed': None, 'answers': 0, 'due': 0.0, 'waiting': False, 'last': time.time()}
    conns.append(c)
    sel.register(s, selectors.EVENT_READ, c)
end = time.time() + seconds
while time.time() < end:
    now = time.time()
    for c in conns:
        if c['failed'] or c['waiting'] or now < c['due']:
            continue
        try:
            c['s'].send(b'ping\\n')
            c['waiting'] = now
        except OSError as e:
            c['failed'] = 'send: ' + str(e)
    for key, _ in sel.select(timeout=0.05):
        c = key.data
        try:
            data = c['s'].recv(4096)
        except OSError as e:
            c['failed'] = 'recv: ' + str(e)
            sel.unregister(c['s'])
            continue
        if not data:
            c['failed'] = 'closed'
            sel.unregister(c['s'])
            continue
        server = data.split(b' ')[0].decode()
        if c['server'] is None:
            c['server'] = server
        elif c['server'] != server:
            c['failed'] = 'moved from %s to %s' % (c['server'], server)
        c['answers'] += 1
        c['last'] = time.time()
        c['waiting'] = False
        c['due'] = time.time() + 0.2
    now = time.time()
    for c in conns:
        if c['waiting'] and not c['failed'] and now - c['waiting'] > 3:
            c['failed'] = 'no answer within 3 s'
failed = [c['failed'] for c in conns if c['failed']]
stale = sum(1 for c in conns if time.time() - c['last'] > 3)
servers = {}
for c in conns:
    servers[c['server']] = servers.get(c['server'], 0) + 1
print(json.dumps({'failed': len(failed), 'why': sorted(set(failed))[:5], 'servers': servers,
                  'stale': stale}))
`;

const directorBgp = (self: string) => `ip prefix-list VIPD-V4 seq 10 permit 10.0.0.100/32
route-map VIPD-ANNOUNCE permit 10
 match ip address prefix-list VIPD-V4
 match metric 4242
 set metric 0
route-map VIPD-OUT permit 10
 match ip address prefix-list VIPD-V4
router bgp 65001
 bgp router-id ${self}
 neighbor 10.0.0.2 remote-as 65000
 neighbor 10.0.0.2 timers 1 3
 neighbor 10.0.0.2 timers connect 1
 address-family ipv4 unicast
  redistribute kernel route-map VIPD-ANNOUNCE
  neighbor 10.0.0.2 route-map VIPD-OUT out
 exit-address-family
`;
const UPSTREAM_BGP = `router bgp 65000
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 neighbor 10.0.0.1 remote-as 65001
 neighbor 10.0.0.1 timers 1 3
 neighbor 10.0.0.1 timers connect 1
 neighbor 10.0.0.3 remote-as 65001
 neighbor 10.0.0.3 timers 1 3
 neighbor 10.0.0.3 timers connect 1
 address-family ipv4 unicast
  maximum-paths 8
 exit-address-family
`;

describe.skipIf(!canRunUmlLab())('two active directors behind ECMP (user-mode Linux)', () => {
  let lab: UmlLab;
  const sh = (script: string, timeoutMs?: number) =>
    lab.sh(`W=${lab.work} REPO=${REPO}; source ${LIB}\n${script}`, timeoutMs);

  beforeAll(async () => {
    lab = await UmlLab.boot({ mem: '768M' });
    await sh('lab_topology; rs_vip_on lo');
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('a director withdrawn: its connections continue through the other, to the same real server, none reset', async () => {
    writeFileSync(lab.file('echo.py'), ECHO);
    writeFileSync(lab.file('client.py'), CLIENT);
    for (const [ns, conf] of [
      ['cli', { bgpd: UPSTREAM_BGP }],
      ['dir1', { bgpd: directorBgp('10.0.0.1') }],
      ['dir2', { bgpd: directorBgp('10.0.0.3') }],
    ] as const) {
      for (const [daemon, text] of Object.entries({ zebra: '', ...conf }))
        writeFileSync(lab.file(`frr-${ns}-${daemon}.conf`), text);
    }
    const reals = [1, 2, 3]
      .map((n) => `  real_server 10.0.0.1${n} 9000 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }`)
      .join('\n');
    for (const d of ['dir1', 'dir2']) {
      writeFileSync(lab.file(`${d}-down`), '0\n');
      writeFileSync(
        lab.file(`${d}.conf`),
        `virtual_server 10.0.0.100 9000 {\n  delay_loop 1\n  lb_algo mh\n  mh-port\n  lb_kind DR\n  protocol TCP\n${reals}\n}\n` +
          `announce WEB {\n  prefix 10.0.0.100/32\n  track_virtual_server 10.0.0.100 9000\n  track_file ${lab.file(`${d}-down`)}\n}\n`,
      );
    }
    await sh(`
      for n in rs1 rs2 rs3; do ip netns exec ivl-$n python3 $W/echo.py $n >/dev/null 2>&1 & done
      ns cli sysctl -qw net.ipv4.fib_multipath_hash_policy=1
      for d in dir1 dir2; do ns $d sysctl -qw net.ipv4.vs.sloppy_tcp=1; done
      for n in cli dir1 dir2; do
        # FRR's files on the guest's own tmpfs: the shared work folder cannot give its sockets to the frr user.
        F=/run/frr-$n; mkdir -p $F; cp $W/frr-$n-*.conf $F/; chown -R frr:frr $F
        for d in zebra bgpd; do
          ip netns exec ivl-$n /usr/lib/frr/$d -u frr -g frr -z $F/zserv.api -i $F/$d.pid --vty_socket $F \
            -f $F/frr-$n-$d.conf --log file:$F/$d.log >/dev/null 2>&1 &
          [ $d = zebra ] && for i in $(seq 100); do [ -e $F/zserv.api ] && break; sleep 0.05; done
        done
      done
      vipd_start $W/dir1.conf dir1; vipd_start $W/dir2.conf dir2`);
    // The next hops of the VIP's route in the upstream's kernel (one path or several, nexthop group or not).
    const hops = `ns cli ip -j route show 10.0.0.100 | grep -o '"gateway"' | wc -l`;
    await lab.waitFor(`W=${lab.work}; source ${LIB}; [ "$(${hops})" = 2 ]`, 20_000, 200).catch(async (err: Error) => {
      const seen = await sh(
        'ns cli ip route; ns dir1 ip route show table all proto 245; tail -5 /run/frr-cli/bgpd.log /run/frr-dir1/bgpd.log /run/frr-dir1/zebra.log; tail -5 $W/vipd-dir1.log; ls /run/frr-dir1',
      );
      throw new Error(`${err.message}\n${seen}`);
    });

    // The connections, then dir1 withdrawn (its tracked file says failed) a few seconds in.
    const run = sh(`ns cli python3 $W/client.py ${CONNECTIONS} 12`, 120_000);
    run.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    await sh('sleep 5');
    const onDir1 = Number(await sh(`ns dir1 cat /proc/net/ip_vs_conn | grep -c ' 0A000064 2328 '`));
    await sh('echo 1 > $W/dir1-down'); // written in the guest: the guest's inotify does not see the host's writes
    await lab.waitFor(`W=${lab.work}; source ${LIB}; [ "$(${hops})" = 1 ]`, 5000, 50);
    const summary = JSON.parse((await run).trim().split('\n').at(-1) as string) as {
      failed: number;
      why: string[];
      servers: Record<string, number>;
      stale: number;
    };
    const onDir2After = Number(await sh(`ns dir2 cat /proc/net/ip_vs_conn | grep -c ' 0A000064 2328 '`));
    await sh('vipd_stop dir1; vipd_stop dir2');

    // Both directors carried connections before; every connection lived through the move, on its real server.
    expect(onDir1).toBeGreaterThan(CONNECTIONS / 5);
    expect(onDir2After).toBeGreaterThanOrEqual(CONNECTIONS);
    expect(summary.failed, summary.why.join('; ')).toBe(0);
    expect(Object.keys(summary.servers).sort()).toEqual(['rs1', 'rs2', 'rs3']);
    expect(summary.stale, 'connections without an answer in the last 3 s').toBe(0);
  }, 300_000);
});
