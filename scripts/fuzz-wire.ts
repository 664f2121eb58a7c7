/**
 * The long wire fuzz (not a test): N malformed adverts (10^6 by default) at a vipd master as fast as the sender's
 * socket takes them; prints what was sent by category, what vipd counted by reason beside what each must be counted
 * under, the kernel's drops at vipd's full socket, transitions, and the advert gaps meanwhile.
 *
 *   npm run fuzz:wire -- [packets=1000000] [seed=20261126]
 */
import { canRunNetns, Lab } from '../test/helpers/netns.js';
import { runWireFuzz } from '../test/helpers/wire-fuzz-run.js';

async function main(): Promise<void> {
  if (!canRunNetns()) throw new Error('the wire fuzz needs root');
  const count = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? 20261126);
  const lab = Lab.create('fuzz', ['r1', 'gen', 'client']);
  try {
    const r = await runWireFuzz(lab, count, seed);
    const gaps = [...r.advertGapsMs].sort((a, b) => a - b);
    const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? Number.NaN;
    console.log(`sent ${r.sender.sent} in ${r.sender.seconds.toFixed(1)} s (${r.sender.perSecond}/s), seed ${seed}`);
    console.log(`by category: ${JSON.stringify(r.sender.byCategory)}`);
    console.log('| drop reason | must be | counted by vipd |');
    console.log('| --- | --- | --- |');
    for (const reason of Object.keys({ ...r.sender.byReason, ...r.counted }).sort()) {
      console.log(`| ${reason} | ${r.sender.byReason[reason] ?? 0} | ${r.counted[reason] ?? 0} |`);
    }
    console.log(
      `counted ${r.countedTotal} + dropped by the kernel at vipd's full socket ${r.socketDrops} = ${r.countedTotal + r.socketDrops} of ${r.sender.sent}`,
    );
    console.log(`vipd alive: ${r.alive}; transitions during the run: ${r.transitionsDuring}`);
    console.log(
      `advert gaps meanwhile (${gaps.length}): p50 ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms, max ${gaps.at(-1)?.toFixed(2)} ms`,
    );
    const ok = r.alive && r.transitionsDuring === 0 && r.countedTotal + r.socketDrops === r.sender.sent;
    if (!ok) process.exitCode = 1;
  } finally {
    lab.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
