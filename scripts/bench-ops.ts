/**
 * Operations benchmark (not a test): one vipd with N instances (VRRPv3, advert_int 0.1, all masters) in a
 * namespace. Measures the latency of a status request over the control socket (in-process client, and the whole
 * `vipd status --json` command), the size of the answer, and vipd's CPU with and without a Prometheus scrape
 * every second.
 *
 *   npm run bench:ops -- [instances=250] [seconds=20]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { controlRequest } from '../src/edges/control/client.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { cpuSeconds, rssMiB } from '../test/helpers/proc.js';
import { repoRoot, VipdRouter, vipdCommand } from '../test/helpers/routers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cli = path.join(repoRoot, 'dist/vipd.js');

function config(n: number): string {
  const lines = ['vrrp_instance:'];
  for (let i = 1; i <= n; i++) {
    lines.push(`  VI_${i}:`);
    lines.push('    interface: eth0');
    lines.push(`    virtual_router_id: ${i}`);
    lines.push('    priority: 150');
    lines.push('    version: 3');
    lines.push('    advert_int: 0.1');
    lines.push(`    virtual_ipaddress: ["10.${Math.floor(i / 250)}.${i % 250}.1/32"]`);
  }
  return `${lines.join('\n')}\n`;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

async function main(): Promise<void> {
  if (!canRunNetns()) return;
  const [nArg = '250', secondsArg = '20'] = process.argv.slice(2);
  const n = Number(nArg);
  const seconds = Number(secondsArg);
  const lab = Lab.create('bops', ['r1']);
  try {
    // A router object only for its directory, pid file and control socket; the config is written here.
    const r = new VipdRouter(lab, 'r1', { name: 'x', vrid: 1, vips: [] });
    const cfg = path.join(r.dir, 'many.yaml');
    writeFileSync(cfg, config(n));
    const [node, ...vipd] = vipdCommand();
    const child = lab.spawn('r1', node, [...vipd, 'run', '-f', cfg, '--metrics', '127.0.0.1:9650', ...r.runFiles()]);
    const pid = child.pid as number;
    await waitFor(
      async () => {
        try {
          const s = await controlRequest(r.controlSocket, { command: 'status' });
          const masters = (s.instances as { state: string }[]).filter((i) => i.state === 'MASTER').length;
          return masters === n ? true : undefined;
        } catch {
          return undefined;
        }
      },
      30_000,
      200,
      'every instance MASTER',
    );
    await sleep(2000);

    const latencies: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      const s = await controlRequest(r.controlSocket, { command: 'status' });
      latencies.push(performance.now() - t0);
      bytes = JSON.stringify(s).length;
    }
    const commandTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      execFileSync(process.execPath, [cli, 'status', '--json', '--control-socket', r.controlSocket], {
        stdio: 'ignore',
      });
      commandTimes.push(performance.now() - t0);
    }

    const cpuOver = async (scrape: boolean) => {
      const c0 = cpuSeconds(pid);
      const t0 = performance.now();
      let scrapeBytes = 0;
      for (let s = 0; s < seconds; s++) {
        if (scrape) {
          const text = lab.exec(
            'r1',
            'python3',
            '-c',
            "import urllib.request;print(len(urllib.request.urlopen('http://127.0.0.1:9650/metrics', timeout=5).read()))",
          );
          scrapeBytes = Number(text.trim());
        }
        await sleep(1000 - ((performance.now() - t0) % 1000));
      }
      return { cpu: (100 * (cpuSeconds(pid) - c0)) / ((performance.now() - t0) / 1000), scrapeBytes };
    };
    const idle = await cpuOver(false);
    const scraped = await cpuOver(true);
    console.log(`\n${n} instances at advert_int 0.1 (VRRPv3), one vipd, RSS ${rssMiB(pid).toFixed(0)} MiB\n`);
    console.log('| figure | value |');
    console.log('| --- | --- |');
    console.log(
      `| status over the control socket (in-process client, 50 requests) | median ${quantile(latencies, 0.5).toFixed(2)} ms, p99 ${quantile(latencies, 0.99).toFixed(2)} ms, ${(bytes / 1024).toFixed(0)} KiB of JSON |`,
    );
    console.log(
      `| \`vipd status --json\`, whole command (5 runs) | median ${quantile(commandTimes, 0.5).toFixed(0)} ms |`,
    );
    console.log(`| vipd CPU without scraping (${seconds} s) | ${idle.cpu.toFixed(1)} % of a core |`);
    console.log(
      `| vipd CPU with a /metrics scrape every second | ${scraped.cpu.toFixed(1)} % of a core (+${(scraped.cpu - idle.cpu).toFixed(1)}), ${(scraped.scrapeBytes / 1024).toFixed(0)} KiB per scrape |`,
    );
  } finally {
    lab.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
