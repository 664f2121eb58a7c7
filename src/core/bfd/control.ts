/**
 * FRR bfdd's control socket (bfdd/bfdctl.h and control.c, FRR up to 10.1; Debian 12 ships 8.4.4), the part vipd
 * uses: one NOTIFY request asking for every session's state, then a JSON message per session at once and at each
 * change, pushed. vipd creates no session and runs no BFD: bfdd owns the sessions (frr.conf). Pure: bytes in,
 * frames and session states out, failures as reasons.
 *
 * A message is an 8-byte header — length of the payload (u32, network order), id (u16), type (u8), version (u8, 1)
 * — then the payload: for NOTIFY requests the notification flags as bfdd's host-order u64, else JSON text.
 */

export const BFD_CONTROL_VERSION = 1;
export const BFD_MSG = { response: 1, requestAdd: 2, requestDel: 3, notify: 4, notifyAdd: 5, notifyDel: 6 } as const;
/** BCM_NOTIFY_PEER_STATE: every session's state, now and at each change. */
export const BFD_NOTIFY_PEER_STATE = 1n;
const HEADER = 8;
/** Far above any status message bfdd writes (a few hundred bytes): a longer one means the stream is not bfdd's. */
const MAX_PAYLOAD = 64 * 1024;

/** The one request vipd sends: notify me of every session's state (x86-64 and arm64 are little-endian, as bfdd). */
export function encodeNotifyRequest(id: number, flags: bigint = BFD_NOTIFY_PEER_STATE): Buffer {
  const out = Buffer.alloc(HEADER + 8);
  out.writeUInt32BE(8, 0);
  out.writeUInt16BE(id & 0xffff, 4);
  out.writeUInt8(BFD_MSG.notify, 6);
  out.writeUInt8(BFD_CONTROL_VERSION, 7);
  out.writeBigUInt64LE(flags, HEADER);
  return out;
}

export interface BfdFrame {
  type: number;
  id: number;
  payload: Buffer;
}

/** Splits the byte stream into frames; a frame bfdd would not write is an error (the connection is then dropped). */
export class BfdFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { frames: BfdFrame[]; error?: string } {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: BfdFrame[] = [];
    while (this.pending.length >= HEADER) {
      const length = this.pending.readUInt32BE(0);
      const version = this.pending.readUInt8(7);
      if (version !== BFD_CONTROL_VERSION) return { frames, error: `version ${version}, not ${BFD_CONTROL_VERSION}` };
      if (length > MAX_PAYLOAD) return { frames, error: `a ${length}-byte message` };
      if (this.pending.length < HEADER + length) break;
      frames.push({
        type: this.pending.readUInt8(6),
        id: this.pending.readUInt16BE(4),
        payload: this.pending.subarray(HEADER, HEADER + length),
      });
      this.pending = this.pending.subarray(HEADER + length);
    }
    return { frames };
  }
}

export type BfdState = 'up' | 'down' | 'init' | 'adm-down' | 'unknown';

/** One session as bfdd reports it. */
export interface BfdSession {
  peer: string;
  local?: string | undefined;
  ifname?: string | undefined;
  label?: string | undefined;
  multihop: boolean;
  state: BfdState;
}

const STATES: ReadonlySet<string> = new Set(['up', 'down', 'init', 'adm-down', 'unknown']);

/**
 * A session from a status notification (`{"op":"status","peer-address":...,"state":"down",...}`, as bfdd's
 * config_notify writes it; `show bfd peers json` entries have the same keys and `status` for the state).
 */
export function parseSession(json: unknown): { ok: true; session: BfdSession } | { ok: false; reason: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'not an object' };
  const o = json as Record<string, unknown>;
  const peer = o['peer-address'] ?? o.peer;
  const state = o.state ?? o.status;
  if (typeof peer !== 'string') return { ok: false, reason: 'no peer address' };
  if (typeof state !== 'string' || !STATES.has(state)) return { ok: false, reason: `state ${String(state)}` };
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    ok: true,
    session: {
      peer,
      local: text(o['local-address'] ?? o.local),
      ifname: text(o['local-interface'] ?? o.interface),
      label: text(o.label),
      multihop: o.multihop === true,
      state: state as BfdState,
    },
  };
}

/** The key one session is known by, across its notifications. */
export function sessionKey(s: BfdSession): string {
  return `${s.multihop ? 'mh' : 'sh'}/${s.peer}/${s.local ?? ''}/${s.ifname ?? ''}`;
}

/**
 * Whether a `track_bfd` name (a label, or a peer address in canonical form) is up: every session it names is up,
 * and at least one does. `canonical` makes bfdd's address text comparable to the configuration's.
 */
export function trackedUp(name: string, sessions: Iterable<BfdSession>, canonical: (a: string) => string): boolean {
  let any = false;
  for (const s of sessions) {
    if (s.label !== name && canonical(s.peer) !== name) continue;
    if (s.state !== 'up') return false;
    any = true;
  }
  return any;
}
