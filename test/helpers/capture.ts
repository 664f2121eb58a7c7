/**
 * Packet capture inside a lab namespace with tcpdump (µs timestamps), read back as pcap.
 * Used to check what vipd actually put on the wire: advert timing, checksums, gratuitous ARP.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from './netns.js';

export interface Capture {
  file: string;
  /** Stops tcpdump and resolves once the file is complete. */
  stop(): Promise<string>;
}

export async function startCapture(lab: Lab, nsOrHost: string, iface: string, filter: string): Promise<Capture> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vipd-cap-')), 'capture.pcap');
  const child = lab.spawn(nsOrHost, 'tcpdump', [
    '-U',
    '--immediate-mode',
    '-n',
    '-Z',
    'root',
    '-i',
    iface,
    '--time-stamp-precision=micro',
    '-w',
    file,
    filter,
  ]);
  const stderr = untilListening(child);
  await stderr.ready.catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : e}`);
  });
  return {
    file,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGINT');
        await exited;
        if (process.env.VIPD_DEBUG_CAPTURE) console.error(stderr.text());
      }
      return file;
    },
  };
}

/** Collects tcpdump's stderr and resolves `ready` once it reports it is listening (rejects after timeoutMs). */
export function untilListening(child: ChildProcess, timeoutMs = 5000): { ready: Promise<void>; text: () => string } {
  let err = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited with ${code}: ${err}`));
    });
  });
  ready.catch(() => {}); // the caller awaits it; a later exit must not become an unhandled rejection
  return { ready, text: () => err };
}
