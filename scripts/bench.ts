/**
 * The benchmark (not a test): vipd and keepalived 2.2.7 run the same way in one run, on this machine, and the
 * table of issue 11 printed and written into the README between its bench markers:
 * CPU and RSS of 100 instances at 10 ms and 250 at 100 ms (all masters), failover at advert_int 1, 0.1 and 0.01
 * (kill -9, SIGTERM, link down, restart of the preferred node) as a ratio to Master_Down_Interval, the first GARP
 * after the first advert, the advert interval at 100 ms, and start-up.
 *
 *   npm run bench -- [--rounds 3] [--seconds 15] [--only load,failover,drift,startup] [--intervals 1,0.1,0.01]
 *                    [--modes kill-9,sigterm,link-down,restart]
 *                    [--impls vipd,keepalived] [--no-readme]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { canRunNetns } from '../test/helpers/netns.js';
import { repoRoot } from '../test/helpers/routers.js';
import { measureDrift } from './bench/drift.js';
import { FAILOVER_MODES, type FailoverMode, type FailoverRound, failoverRound } from './bench/failover.js';
import { type Impl, type LoadResult, measureLoad } from './bench/load.js';
import { configCheckWallMs, firstStateMs, median, nodeAloneWallMs, versionWallMs } from './bench/startup.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '15' },
    only: { type: 'string', default: 'load,failover,drift,startup' },
    intervals: { type: 'string', default: '1,0.1,0.01' },
    modes: { type: 'string', default: FAILOVER_MODES.join(',') },
    impls: { type: 'string', default: 'vipd,keepalived' },
    'no-readme': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const only = new Set(values.only.split(','));
const impls = values.impls.split(',') as Impl[];
const intervals = values.intervals.split(',').map(Number);

type Row = [string, ...string[]];
const rows: Row[] = [];
const cell = (f: (impl: Impl) => string) => impls.map(f);
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

async function loadRows(): Promise<void> {
  const cases: [number, number][] = [
    [100, 0.01],
    [250, 0.1],
  ];
  const results = new Map<string, LoadResult>();
  for (const [n, i] of cases) {
    for (const impl of impls) {
      const r = await measureLoad(impl, n, i, seconds);
      results.set(`${impl} ${n}`, r);
      console.error(
        `load ${impl} ${n}@${i}: ${fmt(r.cpuPercent, 1)} % CPU, RSS ${fmt(r.rssMiB, 1)} PSS ${fmt(r.pssMiB, 1)} anon ${fmt(r.anonMiB, 1)} MiB`,
      );
    }
  }
  for (const [n, i] of cases) {
    rows.push([
      `CPU, ${n} instances at ${i * 1000} ms (${(n / i).toFixed(0)} adverts/s), % of a core`,
      ...cell((impl) => fmt(results.get(`${impl} ${n}`)?.cpuPercent ?? Number.NaN, 1)),
    ]);
  }
  const both = (impl: Impl, k: 'rssMiB' | 'pssMiB' | 'anonMiB') =>
    `${fmt(results.get(`${impl} 100`)?.[k] ?? Number.NaN, 0)} / ${fmt(results.get(`${impl} 250`)?.[k] ?? Number.NaN, 0)}`;
  rows.push(['RSS at 100 / 250 instances (MiB)', ...cell((impl) => both(impl, 'rssMiB'))]);
  rows.push([
    'PSS at 100 / 250 instances (MiB; shared pages divided among their users)',
    ...cell((impl) => both(impl, 'pssMiB')),
  ]);
  rows.push(['anonymous memory at 100 / 250 instances (MiB)', ...cell((impl) => both(impl, 'anonMiB'))]);
}

async function failoverRows(): Promise<void> {
  for (const mode of values.modes.split(',') as FailoverMode[]) {
    for (const intervalS of intervals) {
      const byImpl = new Map<Impl, FailoverRound[]>();
      for (const impl of impls) {
        const rs: FailoverRound[] = [];
        for (let k = 0; k < rounds; k++) {
          // A round that fails is reported and left out of the median, not the end of the whole run.
          rs.push(
            await failoverRound(impl, mode, intervalS).catch((err: unknown) => {
              console.error(`failover ${mode} ${intervalS} ${impl}: round failed: ${String(err).slice(0, 300)}`);
              return { ratio: Number.NaN, garpDelayMs: Number.NaN };
            }),
          );
        }
        byImpl.set(impl, rs);
        console.error(`failover ${mode} ${intervalS} ${impl}: ${rs.map((r) => fmt(r.ratio, 3)).join(' ')}`);
      }
      const what = mode === 'restart' ? 'restart of the preferred node → master again' : `${mode} failover, gap`;
      rows.push([
        `${what}, advert_int ${intervalS}, / Master_Down_Interval (median of ${rounds})`,
        ...cell((impl) => fmt(median((byImpl.get(impl) ?? []).map((r) => r.ratio)), 3)),
      ]);
      if (mode === 'kill-9') {
        rows.push([
          `first GARP after the new master's first advert, advert_int ${intervalS} (ms, median)`,
          ...cell((impl) => fmt(median((byImpl.get(impl) ?? []).map((r) => r.garpDelayMs)), 2)),
        ]);
      }
    }
  }
}

async function driftRows(): Promise<void> {
  const d = new Map<Impl, Awaited<ReturnType<typeof measureDrift>>>();
  for (const impl of impls) d.set(impl, await measureDrift(impl, Math.max(10, seconds)));
  rows.push([
    'advert interval at 100 ms: mean drift',
    ...cell(
      (impl) =>
        `${(d.get(impl)?.driftPercent ?? 0) >= 0 ? '+' : ''}${fmt(d.get(impl)?.driftPercent ?? Number.NaN, 3)} %`,
    ),
  ]);
  rows.push([
    'advert interval at 100 ms: p50 / p99 / max (ms)',
    ...cell((impl) => {
      const x = d.get(impl);
      return x ? `${fmt(x.p50)} / ${fmt(x.p99)} / ${fmt(x.max)}` : '—';
    }),
  ]);
}

async function startupRows(): Promise<void> {
  const bare = nodeAloneWallMs(9);
  rows.push([
    `\`node -e 0\` wall time, ${process.version} with vipd's V8 flags, in a lab namespace (ms, median of 9)`,
    ...cell((impl) => (impl === 'vipd' ? fmt(bare, 0) : '—')),
  ]);
  rows.push([
    '`vipd --version` wall time (ms, median of 5)',
    ...cell((impl) => (impl === 'vipd' ? fmt(versionWallMs(5), 0) : '—')),
  ]);
  rows.push([
    'check a one-instance keepalived.conf (`check-config` / `--config-test`), wall time (ms, median of 9)',
    ...cell((impl) => fmt(configCheckWallMs(impl, 9), 0)),
  ]);
  const first = new Map<Impl, number>();
  for (const impl of impls) first.set(impl, await firstStateMs(impl, 5));
  rows.push(['exec → first BACKUP (ms, median of 5)', ...cell((impl) => fmt(first.get(impl) ?? Number.NaN, 0))]);
  rows.push([
    'exec → first BACKUP beyond `node -e 0` (ms; goal ≤ 100)',
    ...cell((impl) => (impl === 'vipd' ? fmt((first.get(impl) ?? Number.NaN) - bare, 0) : '—')),
  ]);
  if (impls.includes('vipd')) {
    const cache = mkdtempSync(path.join(tmpdir(), 'vipd-bench-cache-'));
    try {
      await firstStateMs('vipd', 1, { CACHE_DIRECTORY: cache }, 1000); // fills the cache, as a first start would
      const cached = await firstStateMs('vipd', 5, { CACHE_DIRECTORY: cache });
      rows.push([
        'exec → first BACKUP with the compile cache (systemd CacheDirectory=; ms, median of 5)',
        ...cell((impl) => (impl === 'vipd' ? fmt(cached, 0) : '—')),
      ]);
      rows.push([
        'the same beyond `node -e 0` (ms; goal ≤ 100)',
        ...cell((impl) => (impl === 'vipd' ? fmt(cached - bare, 0) : '—')),
      ]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }
}

function table(): string {
  const head = `| figure | ${impls.join(' | ')} |\n| --- | ${impls.map(() => '---').join(' | ')} |`;
  return `${head}\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`;
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

function writeReadme(text: string): void {
  const file = path.join(repoRoot, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} section`);
  writeFileSync(file, `${readme.slice(0, a + START.length)}\n${text}\n${readme.slice(b)}`);
}

async function main(): Promise<void> {
  if (!canRunNetns()) throw new Error('the benchmark needs root and iproute2');
  const started = new Date();
  if (only.has('load')) await loadRows();
  if (only.has('failover')) await failoverRows();
  if (only.has('drift')) await driftRows();
  if (only.has('startup')) await startupRows();
  const kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  const version = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  const keepalived = `${version.stdout}${version.stderr}`.split('\n')[0]?.trim();
  const text = [
    `Measured by \`npm run bench -- --rounds ${rounds} --seconds ${seconds}\` on ${started.toISOString().slice(0, 10)}`,
    `(kernel ${kernel}, ${keepalived ?? 'keepalived'}, VRRPv3, namespaces on one host; CPU is user + system time of all`,
    `the implementation's processes):`,
    '',
    table(),
  ].join('\n');
  console.log(text);
  if (!values['no-readme'] && only.size === 4) writeReadme(text);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
