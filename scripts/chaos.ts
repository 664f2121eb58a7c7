/**
 * Chaos runs (not a test): test/helpers/chaos.ts on three routers, for each seed and each mix of implementations
 * (`vipd`: all three vipd; `keepalived`: all three keepalived; `mixed`: r3 keepalived among two vipd), with N
 * seeded faults each, and the table of what the observer saw.
 *
 *   npm run chaos -- [faults=70] [seeds=1,2,3] [mixes=vipd,mixed,keepalived]
 */
import { CHAOS_GRACE_MS, type ChaosResult, type Impl, runChaos } from '../test/helpers/chaos.js';
import { canRunNetns, Lab } from '../test/helpers/netns.js';

const MIXES: Record<string, Impl[]> = {
  vipd: ['vipd'],
  keepalived: ['keepalived'],
  mixed: ['vipd', 'vipd', 'keepalived'],
};

async function main(): Promise<void> {
  if (!canRunNetns()) throw new Error('chaos needs root');
  const [countArg = '70', seedsArg = '1,2,3', mixesArg = 'vipd,mixed,keepalived'] = process.argv.slice(2);
  const rows: ChaosResult[] = [];
  for (const seed of seedsArg.split(',').map(Number)) {
    for (const mix of mixesArg.split(',')) {
      const lab = Lab.create(`chaos${seed}`, ['r1', 'r2', 'r3']);
      try {
        const r = await runChaos(lab, MIXES[mix] ?? ['vipd'], seed, Number(countArg));
        rows.push(r);
        console.log(JSON.stringify(r));
      } finally {
        lab.destroy();
      }
    }
  }
  console.log(
    `\n${countArg} faults per run, 3 nodes, advert_int 0.1 s, grace ${CHAOS_GRACE_MS.toFixed(1)} ms after each fault and recovery\n`,
  );
  console.log(
    '| r1 / r2 / r3 | seed | time with no holder | time with two holders | holder at the end | route on it | holders after stop |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.impls.join(' / ')} | ${r.seed} | ${(r.noneMs / 1000).toFixed(3)} s | ${(r.severalMs / 1000).toFixed(3)} s | ${r.holderAtEnd || 'none'} | ${r.routeOnHolder ? 'yes' : 'no'} | ${r.holdersAfterStop.join(',') || 'none'} |`,
    );
  }
  const faults = rows.reduce((n, r) => n + Object.values(r.faults).reduce((a, b) => a + (b ?? 0), 0), 0);
  console.log(`\n${faults} faults in all`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
