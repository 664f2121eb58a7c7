/**
 * keepalived's VRRP process settings, vipd against keepalived 2.2.7 on the same global_defs: what the kernel says
 * of each process (scheduling policy and priority, niceness, RLIMIT_RTTIME, locked memory, CPU affinity of every
 * thread), and max_auto_priority raising the realtime priority one step each time the process ran late (here
 * made late by SIGSTOP). keepalived's VRRP child is its VRRP process; vipd's main thread is its event loop.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

interface Scheduling {
  nice: number;
  policy: number;
  rtPriority: number;
  rttime: string;
  locked: boolean;
  cpus: string[];
}

function schedulingOf(pid: number): Scheduling {
  // /proc/PID/stat: the fields after "(comm)" start at field 3; nice is 19, rt_priority 40, policy 41.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const rttime = /Max realtime timeout\s+(\S+)\s+(\S+)/.exec(limits);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const cpus = readdirSync(`/proc/${pid}/task`).map(
    (tid) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? '?',
  );
  return {
    nice: field(19),
    rtPriority: field(40),
    policy: field(41),
    rttime: `${rttime?.[1]}/${rttime?.[2]}`,
    locked: Number(/VmLck:\s*(\d+)/.exec(status)?.[1]) > 0,
    cpus: [...new Set(cpus)],
  };
}

const SCHED_RR = 2;

/**
 * The highest realtime priority, up to `wanted`, that this machine lets a process of this test's take (0: none).
 * Without CAP_SYS_NICE the kernel grants up to RLIMIT_RTPRIO only, and a CI sandbox may be set up that way.
 */
function grantedRealtimePriority(wanted: number): number {
  for (let priority = wanted; priority >= 1; priority--) {
    if (spawnSync('chrt', ['-r', String(priority), 'true']).status === 0) return priority;
  }
  return 0;
}

/** One line (CI prints a failure's first line): what the kernel allows this test's processes. */
function privileges(): string {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const limit = (name: string) => new RegExp(`${name}\\s+(\\S+)\\s+(\\S+)`).exec(limits)?.slice(1).join('/');
  const capEff = /CapEff:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return `CapEff ${capEff}, RLIMIT_RTPRIO ${limit('Max realtime priority')}, RLIMIT_NICE ${limit('Max nice priority')}`;
}

const config = (globals: string, vrid: number) => `global_defs {
${globals}
}
vrrp_instance VI_${vrid} {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 0.1
  version 3
  virtual_ipaddress {
    192.0.2.${vrid}/24
  }
}
`;

describe.skipIf(!canRunNetns())('process settings, vipd and keepalived 2.2.7 alike', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  /** vipd on r1 and keepalived on r2 with the same global_defs, each MASTER of its own VRID. */
  async function both(globals: string): Promise<{ vipd: VipdRouter; keepalived: KeepalivedRouter; vrrpPid: number }> {
    lab = Lab.create('procset', ['r1', 'r2']);
    const vipd = new VipdRouter(lab, 'r1', {
      name: 'v',
      vrid: 81,
      vips: ['192.0.2.81'],
      configText: config(globals, 81),
    });
    const keepalived = new KeepalivedRouter(lab, 'r2', {
      name: 'k',
      vrid: 82,
      vips: ['192.0.2.82'],
      configText: config(globals, 82),
    });
    vipd.start();
    keepalived.start();
    await waitFor(() => (vipd.heldVips().length === 1 ? true : undefined), 10_000, 20, 'vipd MASTER').catch((err) => {
      throw new Error(`${err.message}\n${vipd.log.split('\n').slice(-15).join('\n')}`);
    });
    await waitFor(() => (keepalived.heldVips().length === 1 ? true : undefined), 10_000, 20, 'keepalived MASTER');
    const vrrpPid = Number(readFileSync(`${keepalived.dir}/vrrp.pid`, 'utf8').trim());
    return { vipd, keepalived, vrrpPid };
  }

  it('vrrp_rt_priority, vrrp_rlimit_rttime, vrrp_no_swap, vrrp_cpu_affinity (vrrp_priority ignored under realtime)', async () => {
    // 20 where the machine grants it; else the highest it grants, so the settings are still compared.
    const priority = grantedRealtimePriority(20);
    if (priority === 0) throw new Error(`this machine grants no realtime scheduling to root: ${privileges()}`);
    const { vipd, keepalived, vrrpPid } = await both(
      `  vrrp_priority -5\n  vrrp_rt_priority ${priority}\n  vrrp_rlimit_rttime 500000\n  vrrp_no_swap\n  vrrp_cpu_affinity 0`,
    );
    // Work under realtime scheduling, with every thread on CPU 0: garbage for the collector, which must never
    // leave the event loop waiting on a helper thread its own priority keeps off the CPU (V8's concurrent sweeper
    // did: the loop re-posted a task until the helper ran, 950 ms without blocking, SIGXCPU).
    for (let i = 1; i <= 5; i++) {
      vipd.signal('SIGHUP');
      await waitFor(
        () => (vipd.log.split('configuration reloaded').length > i ? true : undefined),
        5000,
        20,
        `reload ${i}`,
      );
    }
    const ours = schedulingOf(vipd.pid as number);
    const theirs = schedulingOf(vrrpPid);
    const priorityLines = (log: string) =>
      log
        .split('\n')
        .filter((l) => /priority|rlimit|realtime/i.test(l))
        .slice(-3)
        .join(' | ');
    expect(
      theirs,
      `keepalived ${JSON.stringify(theirs)}; its log: ${priorityLines(keepalived.log)}; ${privileges()}`,
    ).toEqual({
      nice: 0,
      policy: SCHED_RR,
      rtPriority: priority,
      rttime: '250000/500000',
      locked: true,
      cpus: ['0'],
    });
    expect(ours, `vipd ${JSON.stringify(ours)}; its log: ${priorityLines(vipd.log)}`).toEqual(theirs);

    // The kernel's SIGXCPU (sent here by hand): back to normal scheduling, one warning, and no error for the
    // limit it cannot raise again without CAP_SYS_RESOURCE (it has no effect on a thread that is not realtime).
    vipd.signal('SIGXCPU');
    await waitFor(() => (schedulingOf(vipd.pid as number).policy === 0 ? true : undefined), 3000, 20, 'SCHED_OTHER');
    await new Promise((r) => setTimeout(r, 100));
    expect(vipd.log.match(/back to normal scheduling/g)?.length).toBe(1);
    expect(vipd.log).not.toContain('cannot apply vrrp_rt_priority');
    expect(vipd.state()).toBe('MASTER');
  });

  it('vrrp_priority alone sets the niceness', async () => {
    const { vipd, vrrpPid } = await both('  vrrp_priority -7');
    expect(schedulingOf(vrrpPid)).toMatchObject({ nice: -7, policy: 0, rtPriority: 0 });
    expect(schedulingOf(vipd.pid as number)).toMatchObject({ nice: -7, policy: 0, rtPriority: 0 });
  });

  it('max_auto_priority: each run later than min_auto_priority_delay raises the realtime priority by one, up to it', async () => {
    const { vipd, keepalived, vrrpPid } = await both(
      '  max_auto_priority 2\n  min_auto_priority_delay 100000\n  vrrp_rlimit_rttime 500000',
    );
    // keepalived checks after each timer it runs, so one stall may raise it more than one step; vipd checks once
    // per wake-up. Both: at least one step per stall, never beyond max_auto_priority, realtime from the first.
    const priorities = async (pid: number) => {
      const seen = [schedulingOf(pid).rtPriority];
      for (let i = 0; i < 3; i++) {
        // Stopped for 400 ms, well past a 100 ms advert timer: the first run after it is 300+ ms late.
        process.kill(pid, 'SIGSTOP');
        await new Promise((r) => setTimeout(r, 400));
        process.kill(pid, 'SIGCONT');
        const least = Math.min(i + 1, 2);
        seen.push(
          await waitFor(() => (schedulingOf(pid).rtPriority >= least ? least : undefined), 3000, 10, `${least}`),
        );
      }
      const after = schedulingOf(pid);
      return { seen, priority: after.rtPriority, policy: after.policy, rttime: after.rttime };
    };
    const theirs = await priorities(vrrpPid).catch((err) => {
      throw new Error(`${err.message}\n${keepalived.log.split('\n').slice(-12).join('\n')}`);
    });
    const expected = { seen: [0, 1, 2, 2], priority: 2, policy: SCHED_RR, rttime: '250000/500000' };
    expect(theirs).toEqual(expected);
    expect(await priorities(vipd.pid as number)).toEqual(expected);
    // The log line reaches the test through vipd's stdout pipe, after the kernel already shows the new priority.
    const raised = () => vipd.lines().filter((l) => l.msg === 'a timer ran late: realtime priority raised').length;
    await waitFor(() => (raised() >= 2 ? true : undefined), 3000, 20, 'both raises logged');
    expect(raised()).toBe(2);
  });
});
