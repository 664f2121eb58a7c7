/**
 * Test-side half of native-probe.ts: starts the probe in a lab namespace and collects its JSON lines.
 * Also a minimal pcap capture (tcpdump -w -) for checking bytes on the wire.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilListening } from './capture.js';
import type { Lab } from './netns.js';
import { readPcap } from './pcap.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ProbeLine = Record<string, unknown> & { event: string };

export interface Probe {
  child: ChildProcess;
  lines: ProbeLine[];
  /** Resolves with the first line (already seen or future) matching pred; rejects after timeoutMs. */
  line(pred: (l: ProbeLine) => boolean, timeoutMs: number, what: string): Promise<ProbeLine>;
  /** Resolves with the exit code (null when killed), or 'running' if still alive after timeoutMs. */
  exit(timeoutMs: number): Promise<number | null | 'running'>;
  stderr(): string;
}

export function startProbe(lab: Lab, host: string, args: string[]): Probe {
  const child = lab.spawn(host, process.execPath, ['--import', 'tsx', 'test/helpers/native-probe.ts', ...args], {
    cwd: repoRoot,
  });
  const lines: ProbeLine[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  let err = '';
  let exitCode: number | null | undefined;
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(text) as ProbeLine);
      } catch {
        lines.push({ event: 'unparsed', text });
      }
    }
    for (const w of [...waiters]) w();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.on('exit', (code) => {
    exitCode = code;
    for (const w of [...waiters]) w();
  });
  const describeState = (): string => `lines=${JSON.stringify(lines)} stderr=${err.slice(-2000)}`;

  return {
    child,
    lines,
    stderr: () => err,
    line(pred, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(pred);
          if (found) {
            done();
            resolve(found);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`probe exited (${exitCode}) before ${what}: ${describeState()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${describeState()}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exit(timeoutMs) {
      return new Promise((resolve) => {
        if (exitCode !== undefined) return resolve(exitCode);
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve('running');
        }, timeoutMs);
        const check = (): void => {
          if (exitCode === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(exitCode);
        };
        waiters.add(check);
      });
    },
  };
}

/** Runs a probe to completion and returns its lines; fails when it does not exit with 0 in time. */
export async function runProbe(lab: Lab, host: string, args: string[], timeoutMs = 15_000): Promise<ProbeLine[]> {
  const probe = startProbe(lab, host, args);
  const code = await probe.exit(timeoutMs);
  if (code !== 0) throw new Error(`probe ${args.join(' ')} ended with ${code}: ${probe.stderr().slice(-2000)}`);
  return probe.lines;
}

export interface PcapCapture {
  /** Resolves with the captured packets (link-layer bytes) once tcpdump has seen `count` packets. */
  packets: Promise<Buffer[]>;
}

/**
 * Starts `tcpdump -c count -w -` in a namespace and resolves once it is listening. The returned promise
 * rejects if tcpdump does not finish within timeoutMs (it is then killed).
 */
export async function captureOnce(
  lab: Lab,
  host: string,
  filter: string,
  count = 1,
  timeoutMs = 10_000,
): Promise<PcapCapture> {
  const child = lab.spawn(host, 'tcpdump', ['-U', '-n', '-i', 'eth0', '-c', String(count), '-w', '-', filter]);
  const chunks: Buffer[] = [];
  const stderr = untilListening(child);
  child.stdout?.on('data', (d: Buffer) => chunks.push(d));
  const packets = new Promise<Buffer[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tcpdump ${filter} saw fewer than ${count} packets in ${timeoutMs} ms: ${stderr.text()}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(readPcap(Buffer.concat(chunks)).map((r) => r.data));
      else reject(new Error(`tcpdump exited with ${code}: ${stderr.text()}`));
    });
  });
  packets.catch(() => {}); // observed by the caller; avoid an unhandled rejection if it never awaits
  await stderr.ready;
  return { packets };
}
