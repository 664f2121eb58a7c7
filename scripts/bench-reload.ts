/**
 * Reload benchmark (not a test): one vipd with N instances (VRRPv3, advert_int 0.1, all masters) in a namespace;
 * one instance's priority is changed and `vipd reload` applies it. Measures the time to apply (the reload request
 * over the control socket, and the whole command), from a capture the largest advert gap of the unchanged
 * instances across the reload, and from vipd's own timer statistics how late their advert timers fired (a capture at
 * 1 000 packets/s on this VM loses a packet now and then, which shows as a gap of exactly two intervals).
 *
 *   npm run bench:reload -- [instances=100] [rounds=5]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { controlRequest } from '../src/edges/control/client.js';
import { startCapture } from '../test/helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import { repoRoot, VipdRouter, vipdCommand } from '../test/helpers/routers.js';
import { vrrpAdverts } from '../test/helpers/wire.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cli = path.join(repoRoot, 'dist/vipd.js');

function config(n: number, changedPriority: number): string {
  const lines = ['vrrp_instance:'];
  for (let i = 1; i <= n; i++) {
    lines.push(`  VI_${i}:`);
    lines.push('    interface: eth0');
    lines.push(`    virtual_router_id: ${i}`);
    lines.push(`    priority: ${i === 1 ? changedPriority : 150}`);
    lines.push('    version: 3');
    lines.push('    advert_int: 0.1');
    lines.push(`    virtual_ipaddress: ["10.0.${i}.1/32"]`);
  }
  return `${lines.join('\n')}\n`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  if (!canRunNetns()) return;
  const [nArg = '100', roundsArg = '5'] = process.argv.slice(2);
  const n = Number(nArg);
  const rounds = Number(roundsArg);
  const lab = Lab.create('brel', ['r1', 'client']);
  try {
    const r = new VipdRouter(lab, 'r1', { name: 'x', vrid: 1, vips: [] });
    const cfg = path.join(r.dir, 'many.yaml');
    writeFileSync(cfg, config(n, 150));
    lab.spawn('r1', vipdCommand()[0], [...vipdCommand().slice(1), 'run', '-f', cfg, ...r.runFiles()]);
    await waitFor(
      async () => {
        try {
          const s = await controlRequest(r.controlSocket, { command: 'status' });
          return (s.instances as { state: string }[]).every((i) => i.state === 'MASTER') ? true : undefined;
        } catch {
          return undefined;
        }
      },
      30_000,
      200,
      'every instance MASTER',
    );
    const applyMs: number[] = [];
    const commandMs: number[] = [];
    const gaps: number[] = [];
    const lateness: number[] = [];
    const recentLate = async () => {
      const s = await controlRequest(r.controlSocket, { command: 'status' });
      const all = s.instances as { name: string; counters: { timer_late_recent_max_ms: number } }[];
      return Math.max(...all.filter((i) => i.name !== 'VI_1').map((i) => i.counters.timer_late_recent_max_ms));
    };
    const quiet: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await sleep(10_500); // vipd's recent-lateness window (10 s) then holds nothing of the round before
      quiet.push(await recentLate());
      const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
      await sleep(500);
      writeFileSync(cfg, config(n, round % 2 === 0 ? 140 : 150));
      let t0 = performance.now();
      const answer = await controlRequest(r.controlSocket, { command: 'reload' }, 60_000);
      applyMs.push(performance.now() - t0);
      if (answer.applied !== true) throw new Error(`reload refused: ${JSON.stringify(answer)}`);
      await sleep(500);
      lateness.push(await recentLate());
      const adverts = vrrpAdverts(readPcap(await cap.stop())).filter((a) => a.vrid !== 1);
      const last = new Map<number, number>();
      let largest = 0;
      for (const a of adverts) {
        const prev = last.get(a.vrid);
        if (prev !== undefined) largest = Math.max(largest, (a.ts - prev) * 1000);
        last.set(a.vrid, a.ts);
      }
      gaps.push(largest);
      writeFileSync(cfg, config(n, round % 2 === 0 ? 140 : 150));
      t0 = performance.now();
      execFileSync(process.execPath, [cli, 'reload', '--control-socket', r.controlSocket], { stdio: 'ignore' });
      commandMs.push(performance.now() - t0);
    }
    console.log(`\n${n} instances at advert_int 0.1 (VRRPv3), one priority changed per reload, ${rounds} rounds\n`);
    console.log('| figure | median | max |');
    console.log('| --- | --- | --- |');
    console.log(
      `| reload applied (request over the control socket) | ${median(applyMs).toFixed(1)} ms | ${Math.max(...applyMs).toFixed(1)} ms |`,
    );
    console.log(
      `| \`vipd reload\`, whole command (nothing changed) | ${median(commandMs).toFixed(0)} ms | ${Math.max(...commandMs).toFixed(0)} ms |`,
    );
    console.log(
      `| largest advert gap of the ${n - 1} unchanged instances (capture) | ${median(gaps).toFixed(1)} ms | ${Math.max(...gaps).toFixed(1)} ms |`,
    );
    console.log(
      `| their advert timers' largest lateness over 10 s without a reload (vipd's own) | ${median(quiet).toFixed(1)} ms | ${Math.max(...quiet).toFixed(1)} ms |`,
    );
    console.log(
      `| the same over 10 s that include the reload | ${median(lateness).toFixed(1)} ms | ${Math.max(...lateness).toFixed(1)} ms |`,
    );
  } finally {
    lab.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
