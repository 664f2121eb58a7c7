/**
 * The state of FRR bfdd's sessions, for track_bfd. Where bfdd has its control socket (FRR up to 10.1: Debian 12's
 * 8.4.4), vipd subscribes once and bfdd pushes every change as it happens. Where it has none (FRR 10.2 removed it),
 * vipd asks `vtysh -c 'show bfd peers json'` every second instead, and says so: a session down is then seen within
 * a second, not at once. While bfdd cannot be reached every session counts as down (nothing vouches for it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import {
  BFD_MSG,
  BfdFrameReader,
  type BfdSession,
  encodeNotifyRequest,
  parseSession,
  sessionKey,
} from '../core/bfd/control.js';
import type { Logger } from '../core/log.js';

/** FRR's default control socket (BFDD_CONTROL_SOCKET with Debian's state directory). */
export const DEFAULT_BFDD_SOCKET = '/var/run/frr/bfdd.sock';
const RECONNECT_MS = 1000;
const POLL_MS = 1000;

export interface BfdWatch {
  stop(): void;
}

/** Follows bfdd's sessions; `changed` hears all of them (by key) after every change, [] while bfdd is away. */
export function watchBfdSessions(
  socketPath: string,
  changed: (sessions: ReadonlyMap<string, BfdSession>) => void,
  log: Logger,
  /** The command that lists the sessions as JSON where bfdd has no control socket. */
  lister: readonly string[] = ['vtysh', '-c', 'show bfd peers json'],
): BfdWatch {
  const sessions = new Map<string, BfdSession>();
  let stopped = false;
  let socket: net.Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let lost = false;

  const away = (why: string) => {
    if (lost) return;
    log.warn({ socket: socketPath, why }, 'bfdd cannot be reached: its sessions count as down');
    lost = true;
    sessions.clear();
    changed(sessions);
  };
  const later = (f: () => void, ms: number) => {
    if (!stopped) timer = setTimeout(f, ms).unref();
  };

  const connect = () => {
    if (stopped) return;
    if (!existsSync(socketPath)) {
      if (!polling) log.warn({ socket: socketPath }, 'bfdd has no control socket here: asking vtysh every second');
      polling = true;
      poll();
      return;
    }
    polling = false;
    const reader = new BfdFrameReader();
    const s = net.connect(socketPath);
    socket = s;
    s.on('connect', () => {
      if (lost) log.info({ socket: socketPath }, 'bfdd reached again');
      lost = false;
      s.write(encodeNotifyRequest(1));
    });
    s.on('data', (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      let any = false;
      for (const f of frames) {
        if (f.type !== BFD_MSG.notify) continue;
        const parsed = safeJson(f.payload.toString('utf8'));
        const r = parseSession(parsed);
        if (!r.ok) {
          log.debug({ reason: r.reason }, 'bfdd notification not understood');
          continue;
        }
        sessions.set(sessionKey(r.session), r.session);
        any = true;
      }
      if (any) changed(sessions);
      if (error) s.destroy(new Error(`bfdd's control socket sent ${error}`));
    });
    s.on('error', (err) => away(err.message));
    s.on('close', () => {
      socket = undefined;
      away('control socket closed');
      later(connect, RECONNECT_MS);
    });
  };

  const poll = () => {
    const [command = 'vtysh', ...args] = lister;
    execFile(command, args, { timeout: 5000 }, (err, stdout) => {
      if (stopped) return;
      const list = err ? undefined : safeJson(stdout);
      if (!Array.isArray(list)) away(err ? err.message : 'vtysh answered no list');
      else {
        lost = false;
        sessions.clear();
        for (const entry of list) {
          const r = parseSession(entry);
          if (r.ok) sessions.set(sessionKey(r.session), r.session);
        }
        changed(sessions);
      }
      // The control socket may appear (bfdd started, or one that has it): connect then.
      later(connect, POLL_MS);
    });
  };

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      socket?.destroy();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
