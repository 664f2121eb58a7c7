/**
 * bench:ipvs — vipd and keepalived 2.2.7 as LVS directors on the same configuration, one after the other in the
 * same user-mode Linux lab (the host kernel has no IPVS; see test/helpers/uml-lab.ts):
 *   - program N real servers (one virtual server, TCP_CHECK each) from an empty table: exec → all N in the table;
 *   - apply one change (one real server re-weighted) by SIGHUP: signal → the new weight in the table;
 *   - CPU of the whole daemon while its N TCP_CHECKs run at delay_loop 1, over a window; RSS at the end;
 *   - real-server transitions during the window, from each daemon's log (keepalived: "Removing service" / "Adding
 *     service"; vipd: "real server down" / "up"): every server is healthy, so any transition is a check the daemon
 *     itself failed (a timeout because it was late), i.e. a flap. (Not notify scripts: a fork per transition from a
 *     large process is slow in the lab and would feed the flapping it counts.)
 * UML has one CPU and runs system calls about 5× slower than the host: compare the two, not the absolute figures.
 * The real server the checks connect to is, by default, a loop that accepts and closes (python3, port 8081), which
 * stays healthy whatever CPU the director leaves it; BENCH_SERVER=httpd checks busybox httpd on port 80 instead,
 * which forks for every connection and, on the guest's one CPU, drops connections once the director's checks leave
 * it too little CPU (then the transitions count the server's overload, not the director's lateness).
 *
 *   npm run bench:ipvs -- [N=1000] [window seconds=20]
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCEPT_LOOP, UmlLab } from '../test/helpers/uml-lab.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIB = path.join(REPO, 'test/helpers/uml/lab-lib.sh');
const N = Number(process.argv[2] ?? 1000);
const HTTPD = process.env.BENCH_SERVER === 'httpd';
const CHECK_PORT = HTTPD ? 80 : 8081;
const WINDOW_S = Number(process.argv[3] ?? 20);
/** Each daemon's log in the work folder (lab-lib.sh), and what it writes there for one real-server transition. */
const LOG = { keepalived: 'keepalived-dir1.log', vipd: 'vipd-dir1.log' } as const;
const TRANSITION = { keepalived: 'Removing service|Adding service', vipd: '"msg":"real server (down|up)"' } as const;

function config(weightOf: (i: number) => number): string {
  const reals = Array.from(
    { length: N },
    (_, i) =>
      `  real_server 10.0.0.11 ${10000 + i} {\n    weight ${weightOf(i)}\n    TCP_CHECK {\n      connect_port ${CHECK_PORT}\n      connect_timeout 2\n      retry 0\n      warmup 1\n    }\n  }`,
  );
  return `virtual_server 10.0.0.100 80 {\n  delay_loop 1\n  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n${reals.join('\n')}\n}\n`;
}

interface Figures {
  programMs: number;
  changeMs: number;
  cpuPercent: number;
  rssMb: number;
  transitions: number;
}

async function main(): Promise<void> {
  const lab = await UmlLab.boot({ mem: '768M' });
  const sh = (s: string, timeoutMs = 300_000) => lab.sh(`W=${lab.work} REPO=${REPO}; source ${LIB}\n${s}`, timeoutMs);
  const results: Record<string, Figures> = {};
  try {
    await sh('lab_topology; httpd_start rs1; rs_nat');
    if (!HTTPD) {
      writeFileSync(lab.file('accept.py'), `${ACCEPT_LOOP}\n`);
      await sh('ip netns exec ivl-rs1 python3 $W/accept.py >/dev/null 2>&1 &');
    }
    const file = lab.file('bench.conf');
    // BENCH_ONLY=vipd (or keepalived): one daemon, when looking into one side.
    const only = process.env.BENCH_ONLY;
    for (const who of (['keepalived', 'vipd'] as const).filter((w) => !only || w === only)) {
      writeFileSync(
        file,
        config(() => 1),
      );
      const start = who === 'keepalived' ? 'ka_start' : 'vipd_start';
      const stop = who === 'keepalived' ? 'ka_stop' : 'vipd_stop';
      // exec → N destinations in the kernel (polled every 20 ms in the guest).
      const programMs = Number(
        await sh(`ns dir1 ipvsadm -C; t0=$(uptime_ms); ${start} ${file}
          until [ "$(ns dir1 ipvsadm -Ln | grep -c -- '->.*Masq')" -ge ${N} ]; do
            (( $(uptime_ms) - t0 > 120000 )) && { echo -1; exit 0; }; sleep 0.02; done; echo $(( $(uptime_ms) - t0 ))`),
      );
      await sh('sleep 3');
      // CPU of every process of the daemon over the window (utime + stime, clock ticks of 10 ms).
      const pids = who === 'keepalived' ? "$(pgrep -x keepalived | tr '\\n' ' ')" : '$(cat /run/vipd-main-dir1.pid)';
      const ticks = (
        await sh(
          `wc -l < $W/${LOG[who]} > /run/bench-log-lines; for p in ${pids}; do awk '{ print $14 + $15 }' /proc/$p/stat; done | awk '{ s += $1 } END { print s }'; sleep ${WINDOW_S}; for p in ${pids}; do awk '{ print $14 + $15 }' /proc/$p/stat; done | awk '{ s += $1 } END { print s }'`,
        )
      )
        .trim()
        .split('\n')
        .map(Number);
      const cpuPercent = ((((ticks[1] ?? 0) - (ticks[0] ?? 0)) * 10) / (WINDOW_S * 1000)) * 100;
      const transitions = Number(
        await sh(
          `tail -n +$(( $(cat /run/bench-log-lines) + 1 )) $W/${LOG[who]} | grep -cE '${TRANSITION[who]}' || true`,
        ),
      );
      if (who === 'vipd' && transitions > 0) {
        // Why vipd took healthy servers out: the reasons its log gives, counted.
        console.log(
          await sh(`grep '"msg":"real server down"' $W/vipd-dir1.log | grep -o '"reason":"[^"]*"' | sort | uniq -c`),
        );
      }
      const rssKb = Number(
        await sh(
          `for p in ${pids}; do awk '/^VmRSS:/ { print $2 }' /proc/$p/status; done | awk '{ s += $1 } END { print s }'`,
        ),
      );
      // One change by SIGHUP: real server #N/2 re-weighted.
      writeFileSync(
        file,
        config((i) => (i === N / 2 ? 7 : 1)),
      );
      const signalled = who === 'keepalived' ? 'cat /run/ka-dir1.pid' : 'cat /run/vipd-main-dir1.pid';
      const changeMs = Number(
        await sh(`t0=$(uptime_ms); kill -HUP "$(${signalled})"
          until ns dir1 ipvsadm -Sn | grep -q -- ':${10000 + N / 2} -m -w 7'; do
            (( $(uptime_ms) - t0 > 60000 )) && { echo -1; exit 0; }; sleep 0.02; done; echo $(( $(uptime_ms) - t0 ))`),
      );
      await sh(`${stop}; ns dir1 ipvsadm -C`);
      results[who] = { programMs, changeMs, cpuPercent, rssMb: rssKb / 1024, transitions };
      console.log(who, results[who]);
    }
  } finally {
    // vipd's log outlives the lab, for a look at what it did.
    if (existsSync(path.join(lab.work, 'vipd-dir1.log'))) {
      copyFileSync(path.join(lab.work, 'vipd-dir1.log'), path.join(tmpdir(), 'bench-ipvs-vipd.log'));
    }
    await lab.stop();
  }
  if (!results.keepalived || !results.vipd) return;
  const k = results.keepalived;
  const v = results.vipd;
  const row = (name: string, a: string, b: string) => `| ${name} | ${a} | ${b} |`;
  const ms = (v: number) => (v < 0 ? 'not within the bound' : `${v} ms`);
  console.log(
    [
      `\n${N} real servers, one virtual server, TCP_CHECK each at delay_loop 1 (user-mode Linux lab, 1 CPU):\n`,
      '| figure | keepalived 2.2.7 | vipd |',
      '|---|---|---|',
      row(`exec → ${N} real servers in IPVS`, ms(k.programMs), ms(v.programMs)),
      row('SIGHUP → one weight changed', ms(k.changeMs), ms(v.changeMs)),
      row(
        `CPU while ${N} TCP_CHECKs run (${WINDOW_S} s)`,
        `${k.cpuPercent.toFixed(1)} %`,
        `${v.cpuPercent.toFixed(1)} %`,
      ),
      row('RSS (all processes)', `${k.rssMb.toFixed(0)} MB`, `${v.rssMb.toFixed(0)} MB`),
      row('real-server transitions during the window', `${k.transitions}`, `${v.transitions}`),
    ].join('\n'),
  );
}

await main();
