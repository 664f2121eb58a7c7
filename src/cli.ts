#!/usr/bin/env -S node --max-semi-space-size=4 --v8-pool-size=1 --optimize-for-size --no-maglev --single-threaded-gc
/**
 * The `vipd` executable: the commands live in src/cli/; this file only runs one and exits with its code.
 * The V8 flags on the first line were measured (scripts/bench.ts): a young generation of at most 4 MB keeps 250
 * instances at 10 000 adverts/s about 29 MB smaller than V8's default at the same CPU (1 MB measured the same there,
 * but reading a file of 1 000 real servers then took 7.2–7.8 s in the IPVS lab instead of 5.5–5.6 with 4 MB: what a
 * parse holds at once was promoted and compacted), one GC helper thread about 4 MB, and V8's optimize-for-size
 * mode another 4 MB at 250 instances and 11 MB at 10 000 adverts/s, within the CPU's run-to-run noise (it costs that
 * read 1.5 s in the lab; kept, as RSS is a goal too). From Node 24
 * V8's mid-tier compiler Maglev is on by default and its code and freed memory stay: without it, 250 instances take
 * 73 MiB instead of 82 and 100 at 10 ms 8.3 % of a core instead of 10.5 (npx tsx scripts/bench.ts --only load,
 * Node 24.22). --jitless would save 10 MiB more but cost half as much CPU again (15.7 %). --single-threaded-gc: the
 * collector's work stays on the thread that makes the garbage. With its helper thread, a vrrp_rt_priority event
 * loop sharing a CPU with it (vrrp_cpu_affinity, or a one-CPU machine) re-posted a task waiting for the helper's
 * sweeping, which its own priority kept off the CPU: 950 ms without blocking, SIGXCPU. Whoever starts dist/vipd.js
 * (the bundle of this file) with node directly passes them too (test/helpers/routers.ts reads them from here).
 */
import module from 'node:module';
import { flushLogs } from './log-flush.js';

// Under systemd with CacheDirectory=vipd (/var/cache/vipd, root's), Node keeps the code it compiled for vipd there, so
// the next start compiles less. Only that directory: a cache others can write would be code they can make vipd run.
const cacheDirectory = process.env.CACHE_DIRECTORY?.split(':')[0];
if (cacheDirectory) module.enableCompileCache?.(cacheDirectory);
const { main } = await import('./cli/main.js');

// A reader that left (EPIPE) must cost the lines it misses, never the daemon: without a listener the stream's
// 'error' would be an uncaught exception, and the crash path would release the VIPs of a healthy master.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

main(process.argv.slice(2)).then(
  (code) => flushLogs().then(() => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`vipd: ${err instanceof Error ? err.message : String(err)}\n`);
    void flushLogs().then(() => process.exit(1));
  },
);
