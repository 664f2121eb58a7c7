/**
 * The process watch of vrrp_track_process: in the host's network namespace the kernel's process events arrive
 * (a process started and ended is seen at once, not at the next scan); /proc is read right for a running process.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessEvents } from '../../src/core/ports.js';
import { readProcess, watchProcesses } from '../../src/edges/processes.js';
import { inCI, isRoot } from '../helpers/netns.js';

describe.skipIf(!isRoot && !inCI)('process watch (proc connector)', () => {
  it('sees a process start and end through kernel events, with its name and command line', async () => {
    const name = `vipdtp${process.pid % 100000}`;
    const bin = path.join(mkdtempSync(path.join(os.tmpdir(), 'vipd-proc-')), name);
    copyFileSync('/bin/sleep', bin);
    const events: ProcessEvents[] = [];
    const watch = watchProcesses((e) => events.push(e));
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(watch.events).toBe(true);
      const child = spawn(bin, ['30']);
      const started = Date.now();
      const seen = () =>
        events.some((e) => e.kind === 'running' && e.process.pid === child.pid && e.process.comm === name);
      while (!seen() && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 10));
      expect(seen()).toBe(true);
      expect(Date.now() - started).toBeLessThan(500); // an event, not the next scan
      expect(readProcess(child.pid as number)).toMatchObject({ comm: name, argv: [bin, '30'] });
      child.kill('SIGKILL');
      const ended = () => events.some((e) => e.kind === 'ended' && e.pid === child.pid);
      for (let i = 0; i < 200 && !ended(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(ended()).toBe(true);
    } finally {
      watch.stop();
    }
  });
});
