/**
 * The netlink transport under addresses.ts and links.ts (rtnetlink) and ipvs.ts (generic netlink), on the
 * `netlink` package's raw socket and codecs.
 *
 * The package's own request layer (NetlinkSocket.request / RtNetlinkSocket) is bypassed on purpose:
 * its errors are plain `Error('Request rejected: EEXIST')` without a code, its pending promises never
 * settle once the socket is closed (and its `finally` then throws "Netlink socket is closed"), its
 * multipart grouping breaks when a notification or a second reply lands inside a dump, and its parsed
 * `message` event drops the message type (a RTM_DELADDR looks like a RTM_NEWADDR). Here every message
 * is parsed with its type, requests are matched by sequence number, dumps run one at a time, every
 * request has a timeout, close() rejects what is pending, and kernel errors become coded errors.
 */

import { endianness, constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { errnoName } from '../errno.js';
import {
  Flags,
  FlagsGet,
  formatMessage,
  MessageType as NlmsgType,
  Protocol,
  parseError,
  parseMessages,
  RawNetlinkSocket,
  type RawNetlinkSocketOptions,
  rt,
} from './package.js';

/** An error from rtnetlink or from this layer; `code` is an errno name ('EEXIST', 'ENODEV', 'ETIMEDOUT'…). */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  constructor(
    message: string,
    readonly code: string,
    /** Positive errno when the kernel (or a syscall) gave one. */
    readonly errno?: number,
  ) {
    super(message);
  }
}

export { errnoName };

function errnoDescription(errno: number): string | undefined {
  try {
    return getSystemErrorMap().get(-Math.abs(errno))?.[1];
  } catch {
    return undefined;
  }
}

/** A coded error for an errno (positive or negative), its message prefixed by what was being done. */
export function errnoError(what: string, errno: number): NetlinkError {
  const code = errnoName(errno);
  const desc = errnoDescription(errno);
  return new NetlinkError(`${what}: ${code}${desc ? ` (${desc})` : ''}`, code, Math.abs(errno));
}

/** Maps whatever the package or the native socket threw to a NetlinkError. */
export function toNetlinkError(what: string, err: unknown): NetlinkError {
  if (err instanceof NetlinkError) return err;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown } | undefined;
  if (typeof e?.errno === 'number' && e.errno !== 0) return errnoError(what, e.errno);
  // The package's checkError: Error('Request rejected: EEXIST') or ('Request rejected: -123').
  const m = typeof e?.message === 'string' ? /Request rejected: (-?\w+)/.exec(e.message) : null;
  if (m?.[1]) {
    const n = Number(m[1]);
    if (Number.isInteger(n)) return errnoError(what, n);
    const value = (osConstants.errno as Record<string, number | undefined>)[m[1]];
    return value ? errnoError(what, value) : new NetlinkError(`${what}: ${m[1]}`, m[1]);
  }
  const code = typeof e?.code === 'string' ? e.code : 'EIO';
  return new NetlinkError(`${what}: ${typeof e?.message === 'string' ? e.message : String(err)}`, code);
}

/** One parsed netlink message with what the package's parsed event drops: its type and flags. */
export interface NlReply<M> {
  type: number;
  flags: number;
  message: M;
}
/** One parsed rtnetlink message. */
export interface RtReply extends NlReply<rt.Message> {
  type: rt.MessageType;
}

export interface RtRequest {
  /** Message type: an RTM_* type, or a generic netlink family id. */
  type: number;
  /** The payload as produced by rt.format*Message into an AttrStream. */
  body: Uint8Array[];
  /** Extra NLM_F_* flags (REQUEST and ACK, or DUMP, are added). */
  flags?: number;
  dump?: boolean;
  /** Used in error messages: "add 192.0.2.1/24 to eth0". */
  what: string;
  timeoutMs?: number;
}

interface Pending<M> {
  seq: number;
  dump: boolean;
  what: string;
  replies: NlReply<M>[];
  interrupted: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(replies: NlReply<M>[]): void;
  reject(err: NetlinkError): void;
}

interface Queued<M> {
  req: RtRequest;
  resolve(replies: NlReply<M>[]): void;
  reject(err: NetlinkError): void;
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** A datagram of batched requests is sent once it holds this much. */
const MAX_BATCH_BYTES = 32 * 1024;
const MAX_DUMP_RETRIES = 3;
const isLE = endianness() === 'LE';

function rawOptions(recvBufferSize = 0): RawNetlinkSocketOptions {
  // The package types these two as required; 0 means "leave the kernel default".
  return { recvBufferSize, sendBufferSize: 0 };
}

function parseOne(type: number, data: Buffer): rt.Message | undefined {
  try {
    return rt.parseMessage(type as rt.MessageType, data);
  } catch {
    return undefined;
  }
}

/**
 * A request socket: NEW/DEL/GET requests and dumps, replies matched by sequence number. The socket keeps
 * the event loop alive only while a request is outstanding, so an idle instance never holds the process.
 * `parse` turns a reply's payload into M (undefined: skipped).
 */
export class NetlinkRequester<M> {
  private readonly raw: RawNetlinkSocket;
  private readonly port: number;
  private seq = (Math.random() * 0x7fff_ffff) >>> 0;
  private readonly pending = new Map<number, Pending<M>>();
  private readonly queue: Queued<M>[] = [];
  private dumpActive = false;
  private pumping = false;
  private closed = false;
  private referenced = true;

  constructor(
    protocol: Protocol,
    private readonly parse: (type: number, data: Buffer) => M | undefined,
    private readonly defaultTimeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.raw = new RawNetlinkSocket(protocol, rawOptions());
    this.port = this.raw.address().port;
    this.raw.on('message', (buf, rinfo) => this.receive(buf, rinfo.port));
    this.raw.on('truncatedMessage', () => this.failAll('ENOBUFS', 'reply truncated'));
    this.raw.on('error', (err) => this.failAll(toNetlinkError('netlink receive', err).code, err.message));
    this.updateRef();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one request; resolves with every reply message (none for a plain ACK). */
  request(req: RtRequest): Promise<NlReply<M>[]> {
    if (this.closed) return Promise.reject(new NetlinkError(`${req.what}: netlink socket closed`, 'ECANCELED'));
    return new Promise<NlReply<M>[]>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.pump();
    });
  }

  /** A dump, retried (bounded) when the kernel flags it inconsistent (NLM_F_DUMP_INTR). */
  async dump(req: Omit<RtRequest, 'dump'>): Promise<NlReply<M>[]> {
    let last: NetlinkError | undefined;
    for (let attempt = 0; attempt < MAX_DUMP_RETRIES; attempt++) {
      try {
        return await this.request({ ...req, dump: true });
      } catch (err) {
        last = toNetlinkError(req.what, err);
        if (last.code !== 'EINTR') throw last;
      }
    }
    throw last ?? new NetlinkError(`${req.what}: dump failed`, 'EIO');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw.close();
    const queued = this.queue.splice(0);
    for (const q of queued) q.reject(new NetlinkError(`${q.req.what}: netlink socket closed`, 'ECANCELED'));
    for (const p of [...this.pending.values()]) {
      this.settle(p, new NetlinkError(`${p.what}: netlink socket closed`, 'ECANCELED'));
    }
  }

  /**
   * Starts queued requests: plain requests pipeline freely, and those started together leave in one datagram (the
   * kernel takes the messages of a datagram one after the other, and acknowledges each): a thousand IPVS operations
   * are a few sendmsg calls, not a thousand. A dump runs alone.
   */
  private pump(): void {
    if (this.pumping) return; // a request settled while formatting: the loop below goes on with the queue
    this.pumping = true;
    try {
      this.pumpBatches();
    } finally {
      this.pumping = false;
    }
    this.updateRef();
  }

  private pumpBatches(): void {
    let batch: Uint8Array[] = [];
    let bytes = 0;
    let members: Pending<M>[] = [];
    const flush = () => {
      if (members.length === 0) return;
      const sent = members;
      this.raw.send(batch, { port: 0 }, (err) => {
        if (err) for (const p of sent) this.settle(p, toNetlinkError(p.what, err));
      });
      batch = [];
      bytes = 0;
      members = [];
    };
    for (let guard = 0; guard < 10_000 && !this.closed; guard++) {
      const next = this.queue[0];
      if (!next || this.dumpActive) break;
      if (next.req.dump && this.pending.size > 0) break;
      this.queue.shift();
      const started = this.start(next);
      if (!started) continue;
      batch.push(...started.data);
      for (const d of started.data) bytes += d.byteLength;
      members.push(started.pending);
      if (bytes >= MAX_BATCH_BYTES || started.pending.dump) flush();
    }
    flush();
  }

  /** Registers a request and formats it; undefined when it cannot be formatted (it is settled with the error). */
  private start(q: Queued<M>): { pending: Pending<M>; data: Uint8Array[] } | undefined {
    const { req } = q;
    const dump = req.dump === true;
    this.seq = this.seq >= 0xffff_fffe ? 1 : this.seq + 1;
    const seq = this.seq;
    const p: Pending<M> = {
      seq,
      dump,
      what: req.what,
      replies: [],
      interrupted: false,
      timer: undefined,
      resolve: q.resolve,
      reject: q.reject,
    };
    this.pending.set(seq, p);
    if (dump) this.dumpActive = true;
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    p.timer = setTimeout(() => {
      this.settle(p, new NetlinkError(`${p.what}: no reply from the kernel within ${timeoutMs} ms`, 'ETIMEDOUT'));
    }, timeoutMs);
    p.timer.unref();
    const flags = (req.flags ?? 0) | Flags.REQUEST | (dump ? FlagsGet.DUMP : Flags.ACK);
    try {
      return { pending: p, data: formatMessage({ type: req.type, flags, seq, port: this.port, data: req.body }) };
    } catch (err) {
      this.settle(p, toNetlinkError(req.what, err));
      return undefined;
    }
  }

  private receive(buf: Buffer, fromPort: number): void {
    if (fromPort !== 0) return; // only the kernel answers requests
    let msgs: ReturnType<typeof parseMessages>;
    try {
      msgs = parseMessages(buf);
    } catch (err) {
      this.failAll('EBADMSG', `unparsable netlink data: ${(err as Error).message}`);
      return;
    }
    for (const msg of msgs) {
      const p = this.pending.get(msg.seq);
      if (!p) continue;
      if (msg.flags & Flags.DUMP_INTR) p.interrupted = true;
      if (msg.type === NlmsgType.ERROR) {
        let errno: number;
        try {
          errno = parseError(msg.data, msg.flags).errno;
        } catch {
          errno = -osConstants.errno.EBADMSG;
        }
        this.settle(p, errno === 0 ? undefined : errnoError(p.what, errno));
      } else if (msg.type === NlmsgType.DONE) {
        // Since Linux 4.x DONE carries the dump's own error (0 when it went through).
        const errno = msg.data.length >= 4 ? (isLE ? msg.data.readInt32LE(0) : msg.data.readInt32BE(0)) : 0;
        if (errno !== 0) this.settle(p, errnoError(p.what, errno));
        else if (p.interrupted) this.settle(p, new NetlinkError(`${p.what}: dump interrupted`, 'EINTR'));
        else this.settle(p);
      } else if (msg.type >= 16) {
        const message = this.parse(msg.type, msg.data);
        if (message !== undefined) p.replies.push({ type: msg.type, flags: msg.flags, message });
      }
    }
  }

  private settle(p: Pending<M>, err?: NetlinkError): void {
    if (this.pending.get(p.seq) !== p) return;
    this.pending.delete(p.seq);
    if (p.timer) clearTimeout(p.timer);
    if (p.dump) this.dumpActive = false;
    if (err) p.reject(err);
    else p.resolve(p.replies);
    if (!this.closed) this.pump();
  }

  private failAll(code: string, why: string): void {
    for (const p of [...this.pending.values()]) this.settle(p, new NetlinkError(`${p.what}: ${why}`, code));
  }

  private updateRef(): void {
    if (this.closed) return;
    const want = this.pending.size > 0 || this.queue.length > 0;
    if (want === this.referenced) return;
    this.referenced = want;
    if (want) this.raw.ref();
    else this.raw.unref();
  }
}

/** The rtnetlink requester. */
export class RtRequester extends NetlinkRequester<rt.Message> {
  constructor(defaultTimeoutMs = DEFAULT_TIMEOUT_MS) {
    super(Protocol.ROUTE, parseOne, defaultTimeoutMs);
  }
  override request(req: RtRequest): Promise<RtReply[]> {
    return super.request(req) as Promise<RtReply[]>;
  }
  override dump(req: Omit<RtRequest, 'dump'>): Promise<RtReply[]> {
    return super.dump(req) as Promise<RtReply[]>;
  }
}

export interface RtSubscriberOptions {
  /** rtnetlink multicast groups (RTNLGRP_*). */
  groups: rt.MulticastGroups[];
  /** Keep the event loop alive while subscribed (default true); close() always releases it. */
  ref?: boolean;
  /** SO_RCVBUF, so that a burst of notifications does not overflow (default 1 MiB, capped by rmem_max). */
  recvBufferSize?: number;
  onMessage(reply: RtReply): void;
  /** Receive errors; ENOBUFS means notifications were lost and state must be re-read. */
  onError(err: NetlinkError): void;
}

/** A notifications-only socket joined to rtnetlink multicast groups. */
export class RtSubscriber {
  private readonly raw: RawNetlinkSocket;
  private closed = false;

  constructor(opts: RtSubscriberOptions) {
    this.raw = new RawNetlinkSocket(Protocol.ROUTE, rawOptions(opts.recvBufferSize ?? 1 << 20));
    try {
      for (const g of opts.groups) this.raw.addMembership(g);
    } catch (err) {
      this.raw.close();
      throw toNetlinkError('join rtnetlink groups', err);
    }
    if (opts.ref === false) this.raw.unref();
    this.raw.on('message', (buf, rinfo) => {
      if (rinfo.port !== 0 || this.closed) return;
      let msgs: ReturnType<typeof parseMessages>;
      try {
        msgs = parseMessages(buf);
      } catch {
        return;
      }
      for (const msg of msgs) {
        if (this.closed) return;
        if (msg.type < 16) continue;
        const message = parseOne(msg.type, msg.data);
        if (message) opts.onMessage({ type: msg.type as rt.MessageType, flags: msg.flags, message });
      }
    });
    this.raw.on('truncatedMessage', () => {
      if (!this.closed) opts.onError(new NetlinkError('rtnetlink notification truncated', 'ENOBUFS'));
    });
    this.raw.on('error', (err) => {
      if (!this.closed) opts.onError(toNetlinkError('rtnetlink notifications', err));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw.close();
  }
}
