/**
 * bench:announce — how fast the routers learn what vipd's announces say (issue 22), in namespaces on this machine:
 * an upstream router (FRR bgpd, maximum-paths) and two directors running FRR and vipd (test/helpers/announce-lab.ts,
 * the README's FRR configuration). Each round, on director d1:
 *   - health failure → its next hop gone from the upstream's kernel FIB (the tracked file says failed);
 *   - recovery → back in the FIB (announce_delay 0);
 *   - kill -9, then `vipd cleanup` → gone from the FIB (timed from the cleanup command's start, Node's start-up
 *     included, as systemd's ExecStopPost= would run it), then vipd started again.
 * Medians and maxima over the rounds; the FIB is read every 10 ms, which bounds the resolution.
 *
 *   npm run bench:announce -- [rounds=10]
 */
import { ADDRESS, AnnounceLab } from '../test/helpers/announce-lab.js';
import { vipdCommand } from '../test/helpers/routers.js';

const ROUNDS = Number(process.argv[2] ?? 10);
const BOTH = [ADDRESS.d1, ADDRESS.d2];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

async function main(): Promise<void> {
  const lab = await AnnounceLab.create();
  const figures = { failure: [] as number[], recovery: [] as number[], cleanup: [] as number[] };
  try {
    await lab.fibReaches(BOTH, 30_000, 'both directors announced');
    const [node, ...cli] = vipdCommand();
    for (let round = 0; round < ROUNDS; round++) {
      lab.fail('d1', true);
      figures.failure.push(await lab.fibReaches([ADDRESS.d2], 5000, 'withdrawn on failure'));
      lab.fail('d1', false);
      figures.recovery.push(await lab.fibReaches(BOTH, 5000, 'announced on recovery'));
      const vipd = lab.vipd('d1');
      vipd.hardKill();
      await vipd.exited(5000);
      const t0 = performance.now();
      lab.lab.exec('d1', node, ...cli, 'cleanup');
      await lab.fibReaches([ADDRESS.d2], 5000, 'withdrawn by cleanup');
      figures.cleanup.push(performance.now() - t0);
      lab.restart('d1');
      await lab.fibReaches(BOTH, 30_000, 'announced again after restart');
    }
  } finally {
    lab.destroy();
  }
  const row = (name: string, xs: number[]) =>
    `| ${name} | ${median(xs).toFixed(0)} ms | ${Math.max(...xs).toFixed(0)} ms |`;
  console.log(
    [
      `\nannounce → the upstream's FIB (FRR 8.4 bgpd, two directors, ${ROUNDS} rounds, FIB read every 10 ms):\n`,
      '| event on director d1 | median | max |',
      '|---|---|---|',
      row('health failure → next hop gone', figures.failure),
      row('recovery (announce_delay 0) → next hop back', figures.recovery),
      row('kill -9, then `vipd cleanup` → next hop gone', figures.cleanup),
    ].join('\n'),
  );
}

await main();
