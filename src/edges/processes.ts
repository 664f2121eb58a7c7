/**
 * Running processes for vrrp_track_process: one scan of /proc at start, then the kernel's process events (the proc
 * connector, NETLINK_CONNECTOR / CN_IDX_PROC: fork, exec, comm change, exit) as keepalived does, so nothing is
 * polled. The kernel sends those events to the host's network namespace only: in any other (a container, a lab
 * namespace) the subscription is refused and /proc is read again every second instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ProcessEvents, ProcessWatch } from '../core/ports.js';
import type { ProcessInfo } from '../core/tracking/process.js';
import { RawNetlinkSocket } from './netlink/package.js';

const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const PROC_CN_MCAST_LISTEN = 1;
const NLMSG_DONE = 3;
const PROC_EVENT = { fork: 0x1, exec: 0x2, comm: 0x200, exit: 0x80000000 } as const;
/** nlmsghdr (16) + cn_msg (20): where the proc_event starts. */
const EVENT_OFFSET = 36;
const FALLBACK_SCAN_MS = 1000;

/** A process as /proc shows it now, or undefined when it is gone, a zombie or a kernel thread. */
export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const state = stat.slice(close + 2, close + 3);
    if (state === 'Z' || state === 'X') return undefined;
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const argv = raw.length === 0 ? [] : raw.replace(/\0$/, '').split('\0');
    return { pid, comm, argv };
  } catch {
    return undefined;
  }
}

export function scanProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProcess(Number(name));
    if (p) out.push(p);
  }
  return out;
}

function listenMessage(): Buffer {
  const m = Buffer.alloc(EVENT_OFFSET + 4);
  m.writeUInt32LE(m.length, 0);
  m.writeUInt16LE(NLMSG_DONE, 4);
  m.writeUInt32LE(process.pid, 12);
  m.writeUInt32LE(CN_IDX_PROC, 16);
  m.writeUInt32LE(CN_VAL_PROC, 20);
  m.writeUInt16LE(4, 32);
  m.writeUInt32LE(PROC_CN_MCAST_LISTEN, EVENT_OFFSET);
  return m;
}

/** The pid a proc_event is about (the child for a fork), and whether it ended. */
function eventOf(m: Buffer): { pid: number; ended: boolean } | undefined {
  if (m.length < EVENT_OFFSET + 16 + 8) return undefined;
  const what = m.readUInt32LE(EVENT_OFFSET);
  const data = EVENT_OFFSET + 16; // after what, cpu, timestamp
  switch (what) {
    case PROC_EVENT.fork:
      return m.length >= data + 16 ? { pid: m.readUInt32LE(data + 8), ended: false } : undefined;
    case PROC_EVENT.exec:
    case PROC_EVENT.comm:
      return { pid: m.readUInt32LE(data), ended: false };
    case PROC_EVENT.exit:
      return { pid: m.readUInt32LE(data), ended: true };
    default:
      return undefined;
  }
}

export const watchProcesses: ProcessWatch = (listener: (e: ProcessEvents) => void) => {
  listener({ kind: 'snapshot', processes: scanProcesses() });
  let poll: NodeJS.Timeout | undefined;
  const fallBack = () => {
    poll ??= setInterval(() => listener({ kind: 'snapshot', processes: scanProcesses() }), FALLBACK_SCAN_MS);
    poll.unref();
  };
  let sock: RawNetlinkSocket | undefined;
  try {
    sock = new RawNetlinkSocket(NETLINK_CONNECTOR, { recvBufferSize: 1 << 20, sendBufferSize: 0 });
    sock.unref();
    sock.addMembership(CN_IDX_PROC);
    sock.on('message', (m: Buffer) => {
      const e = eventOf(m);
      if (!e) return;
      if (e.ended) listener({ kind: 'ended', pid: e.pid });
      else {
        const p = readProcess(e.pid);
        listener(p ? { kind: 'running', process: p } : { kind: 'ended', pid: e.pid });
      }
    });
    // Lost events (a burst that overflowed the buffer): read /proc again.
    sock.on('error', () => listener({ kind: 'snapshot', processes: scanProcesses() }));
    const s = sock;
    s.send(listenMessage(), { port: 0 }, (err) => {
      if (!err) return;
      s.close(); // another network namespace than the host's: no events for it
      sock = undefined;
      fallBack();
    });
  } catch {
    sock?.close();
    sock = undefined;
    fallBack();
  }
  return {
    get events() {
      return sock !== undefined;
    },
    stop() {
      if (poll) clearInterval(poll);
      sock?.close();
      sock = undefined;
    },
  };
};
