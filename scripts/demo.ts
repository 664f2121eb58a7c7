/**
 * `npm run demo` (as root): builds a LAN of network namespaces on one bridge, starts vipd on two routers
 * and a client that keeps pinging the VIP, kills the master host (SIGKILL and link down), and prints a timeline: state
 * changes, failover time against Master_Down_Interval (from a capture on the client), and the probe gap. Where
 * snmpd and snmpwalk are installed, r2 also serves RFC 6527's VRRPv3-MIB to an snmpd of its own, walked before and
 * after the failover. Everything is torn down at the end, and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { masterDownIntervalMs } from '../src/core/vrrp/timers.js';
import { startCapture } from '../test/helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import { repoRoot, VipdRouter } from '../test/helpers/routers.js';
import { vrrpAdverts } from '../test/helpers/wire.js';

const VIP = '192.0.2.100';
const ADVERT_INT_S = Number(process.env.VIPD_DEMO_ADVERT_INT ?? 0.1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** An snmpd (AgentX master) in a host's namespace, and a walk of VRRPv3-MIB's state column through it. */
function snmpOn(lab: Lab, host: string, dir: string) {
  const socket = path.join(dir, 'agentx.sock');
  const conf = path.join(dir, 'snmpd.conf');
  writeFileSync(
    conf,
    `master agentx\nagentXSocket ${socket}\nagentaddress udp:127.0.0.1:1161\nrocommunity public 127.0.0.1\n`,
  );
  lab.spawn(host, 'snmpd', ['-f', '-Lf', path.join(dir, 'snmpd.log'), '-C', '-c', conf, '-p', path.join(dir, 'pid')]);
  const states = ['', 'initialize', 'backup', 'master'];
  return {
    globals: `global_defs:\n  enable_snmp_rfcv3: true\n  snmp_socket: ${socket}\n`,
    /** vrrpv3OperationsStatus of each virtual router, as snmpwalk prints it. */
    walk: () =>
      (
        lab.tryExec(
          host,
          'snmpwalk',
          '-v2c',
          '-c',
          'public',
          '-On',
          '-t',
          '1',
          '127.0.0.1:1161',
          '.1.3.6.1.2.1.207.1.1.1.1.6',
        ) ?? ''
      )
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => `${l} (${states[Number(l.split(': ')[1])] ?? '?'})`),
  };
}

async function main(): Promise<void> {
  if (!canRunNetns()) {
    console.error('the demo needs root and iproute2 (it builds network namespaces)');
    process.exitCode = 1;
    return;
  }
  const t0 = Date.now();
  const stamp = (ms: number) => `+${((ms - t0) / 1000).toFixed(3)}s`.padStart(9);
  const say = (msg: string) => console.log(`${stamp(Date.now())}  ${msg}`);

  const lab = Lab.create('demo', ['r1', 'r2', 'client']);
  const snmpDir = has('snmpd') && has('snmpwalk') ? mkdtempSync(path.join(tmpdir(), 'vipd-demo-snmp-')) : undefined;
  try {
    say(`lab ${lab.id}: r1 ${lab.host('r1').ipv4}, r2 ${lab.host('r2').ipv4}, client ${lab.host('client').ipv4}`);
    // use_vmac: the VIP lives on a macvlan with the VRRP MAC, which moves with mastership (clients never re-ARP).
    const base = {
      name: 'VI_1',
      vrid: 51,
      version: 3 as const,
      advertInt: ADVERT_INT_S,
      vips: [`${VIP}/24`],
      extra: ['use_vmac: true'],
    };
    const snmp = snmpDir ? snmpOn(lab, 'r2', snmpDir) : undefined;
    const r1 = new VipdRouter(lab, 'r1', { ...base, priority: 150 }).start();
    const r2 = new VipdRouter(lab, 'r2', { ...base, priority: 100, topLevel: snmp?.globals }).start();
    say(
      `vipd started on r1 (priority 150) and r2 (priority 100), VRRPv3, advert_int ${ADVERT_INT_S}s, VIP ${VIP} on a VMAC`,
    );

    await waitFor(() => (r1.state() === 'MASTER' && r1.heldVips().length ? true : undefined), 10_000, 20, 'r1 MASTER');
    say('r1 is MASTER and holds the VIP');
    if (snmp) {
      await sleep(500);
      say(`r2's VRRPv3-MIB through snmpd (vrrpv3OperationsStatus): ${snmp.walk().join('; ') || '(no answer)'}`);
    }

    const probe = lab.spawn('client', 'ping', ['-n', '-D', '-i', '0.01', '-W', '1', VIP]);
    let pingOut = '';
    probe.stdout?.on('data', (d: Buffer) => {
      pingOut += d.toString();
    });
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112 or arp');
    await sleep(1000);

    // The master host dies: vipd gets no chance to clean up, and its NIC goes quiet.
    const killedAt = Date.now();
    r1.hardKill();
    lab.exec('r1', 'ip', 'link', 'set', 'eth0', 'down');
    say('master host r1 dies: vipd SIGKILLed and its link cut');
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 10_000, 5, 'r2 MASTER');
    say('r2 is MASTER');
    if (snmp) say(`r2's VRRPv3-MIB now: ${snmp.walk().join('; ') || '(no answer)'}`);
    await sleep(1000);
    probe.kill('SIGINT');
    const frames = readPcap(await cap.stop());

    console.log('\nTimeline (vipd logs):');
    const events = [
      ...r1.transitions().map((t) => ({ ...t, host: 'r1' })),
      ...r2.transitions().map((t) => ({ ...t, host: 'r2' })),
      { host: 'r1', from: '', to: 'dead', cause: 'SIGKILL + link down', time: killedAt },
    ].sort((a, b) => a.time - b.time);
    for (const e of events)
      console.log(`${stamp(e.time)}  ${e.host}  ${e.from ? `${e.from} -> ` : ''}${e.to}  (${e.cause})`);

    const adverts = vrrpAdverts(frames);
    const lastR1 = adverts.filter((a) => a.src === lab.host('r1').ipv4).at(-1);
    const firstR2 = adverts.find((a) => a.src === lab.host('r2').ipv4 && lastR1 && a.ts > lastR1.ts);
    const mdi = masterDownIntervalMs(3, 100, ADVERT_INT_S * 1000);
    console.log('\nFailover (capture on the client):');
    if (lastR1 && firstR2) {
      const gap = (firstR2.ts - lastR1.ts) * 1000;
      console.log(`  last r1 advert -> first r2 advert: ${gap.toFixed(3)} ms`);
      console.log(`  Master_Down_Interval (priority 100): ${mdi.toFixed(3)} ms; ratio ${(gap / mdi).toFixed(4)}`);
    } else {
      console.log('  (adverts not found in the capture)');
    }

    const replies = [...pingOut.matchAll(/^\[(\d+\.\d+)\].*icmp_seq=(\d+)/gm)].map((m) => Number(m[1]));
    let worst = 0;
    for (let i = 1; i < replies.length; i++) worst = Math.max(worst, (replies[i]! - replies[i - 1]!) * 1000);
    console.log('\nClient probe (ping every 10 ms):');
    console.log(`  ${replies.length} replies; longest gap between replies: ${worst.toFixed(1)} ms`);
    const holders = [r1, r2].filter((r) => r.heldVips().includes(VIP)).map((r) => r.host);
    console.log(`  VIP configured on: ${holders.join(', ') || 'nobody'} (r1's stale copy is on a dead link)`);
    const neigh = /lladdr (\S+)/.exec(lab.exec('client', 'ip', 'neigh', 'show', VIP))?.[1] ?? 'none';
    console.log(`  the client's neighbour entry for the VIP: ${neigh} (the VMAC, the same before and after)`);

    // What an operator sees: the new master's `vipd status` (the same daemon answers `--json` and /metrics).
    console.log('\nvipd status on r2:');
    process.stdout.write(
      execFileSync(
        process.execPath,
        [path.join(repoRoot, 'dist/vipd.js'), 'status', '--control-socket', r2.controlSocket],
        {
          encoding: 'utf8',
        },
      )
        .trimEnd()
        .replace(/^/gm, '  ')
        .concat('\n'),
    );
  } finally {
    lab.destroy();
    if (snmpDir) rmSync(snmpDir, { recursive: true, force: true });
    console.log('\nlab torn down');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
