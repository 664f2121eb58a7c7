/**
 * Links through rtnetlink: a LinkWatcher fed by RTNLGRP_LINK notifications (no polling), deduplicated, plus
 * onAddressChange from RTNLGRP_IPV4_IFADDR / IPV6_IFADDR: the daemon re-checks its advert source and its VIPs
 * whenever an address on one of its interfaces comes or goes, whoever did it.
 */

import type { AddressChange, LinkInfo, LinkWatcher } from '../../core/ports.js';
import { AF_INET, AF_INET6, body, linkByName, type NetlinkOptions, toListed, validName } from './messages.js';
import { rt } from './package.js';
import { type NetlinkError, type RtReply, RtRequester, RtSubscriber, toNetlinkError } from './transport.js';

export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';
const OPERSTATES: OperState[] = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

/** LinkInfo plus what it was computed from. */
export interface NetlinkLinkInfo extends LinkInfo {
  /** IFF_UP. */
  adminUp: boolean;
  /** IFF_LOWER_UP (carrier). */
  carrier: boolean;
  /** IFLA_OPERSTATE (RFC 2863). */
  operstate: OperState | number;
}

export interface NetlinkLinkWatcher extends LinkWatcher {
  get(name: string): Promise<NetlinkLinkInfo | undefined>;
  onChange(listener: (link: NetlinkLinkInfo) => void): () => void;
}

export interface LinkWatcherOptions extends NetlinkOptions {
  /**
   * Keep the event loop alive while watching (default true, like a listening server); close() releases
   * it either way so the process can exit.
   */
  ref?: boolean;
  /** Also subscribe to address notifications for onAddressChange (default true). */
  addresses?: boolean;
  /** Notification socket errors other than overflow (overflow, ENOBUFS, is handled by a resync). */
  onError?: (err: NetlinkError) => void;
}

function toLinkInfo(m: rt.LinkMessage): NetlinkLinkInfo | undefined {
  const name = m.attrs.ifname;
  const index = m.data.index;
  if (name === undefined || !index) return undefined;
  const f = m.data.flags ?? {};
  const adminUp = f.up === true;
  const carrier = f.lowerUp === true;
  const op = m.attrs.operstate;
  // IFF_RUNNING is operstate UP or UNKNOWN: covers devices that never report a lower layer.
  const up = adminUp && (carrier || f.running === true);
  return {
    name,
    index,
    up,
    mac: m.attrs.address ? Buffer.from(m.attrs.address) : Buffer.alloc(0),
    mtu: m.attrs.mtu ?? 0,
    adminUp,
    carrier,
    operstate: op === undefined ? 'unknown' : (OPERSTATES[op] ?? op),
  };
}

function sameLink(a: LinkInfo, b: LinkInfo): boolean {
  return a.name === b.name && a.index === b.index && a.up === b.up && a.mtu === b.mtu && a.mac.equals(b.mac);
}

/** Calls every listener; one that throws neither stops the others nor the socket (rethrown later). */
function dispatch<T>(listeners: Iterable<(v: T) => void>, value: T): void {
  for (const l of [...listeners]) {
    try {
      l(value);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

/**
 * Subscribes to RTNLGRP_LINK (and address groups), then reads the current links so that onChange
 * reports only changes: a link's notification is delivered when name, up, MAC or MTU differ from what
 * was last known (identical repeats are dropped), and once with up=false and deleted=true on RTM_DELLINK.
 * On notification overflow (ENOBUFS) the links are re-read and the differences delivered.
 */
export async function createLinkWatcher(opts: LinkWatcherOptions = {}): Promise<NetlinkLinkWatcher> {
  const requester = new RtRequester(opts.timeoutMs);
  const known = new Map<number, NetlinkLinkInfo>();
  const linkListeners = new Set<(link: NetlinkLinkInfo) => void>();
  const addrListeners = new Set<(change: AddressChange) => void>();
  let buffered: RtReply[] | undefined = [];
  let closed = false;
  let resyncing = false;
  let resyncAgain = false;

  const noteLink = (info: NetlinkLinkInfo): void => {
    const prev = known.get(info.index);
    known.set(info.index, info);
    if (!prev || !sameLink(prev, info)) dispatch(linkListeners, info);
  };

  const handle = (reply: RtReply): void => {
    const m = reply.message;
    if (m.kind === 'link') {
      const info = toLinkInfo(m);
      if (!info) return;
      if (reply.type === rt.MessageType.DELLINK) {
        if (!known.delete(info.index)) return;
        dispatch(linkListeners, { ...info, up: false, deleted: true });
      } else if (reply.type === rt.MessageType.NEWLINK) {
        noteLink(info);
      }
    } else if (m.kind === 'address') {
      const kind =
        reply.type === rt.MessageType.NEWADDR ? 'added' : reply.type === rt.MessageType.DELADDR ? 'removed' : undefined;
      const listed = toListed(m);
      const family = m.data.family === AF_INET ? 4 : m.data.family === AF_INET6 ? 6 : undefined;
      if (!kind || !listed || !family) return;
      const index = m.data.index ?? 0;
      const change: AddressChange = {
        kind,
        family,
        address: listed.address,
        prefix: listed.prefix,
        index,
        dev: known.get(index)?.name,
      };
      dispatch(addrListeners, change);
    }
  };

  const dumpLinks = async (): Promise<NetlinkLinkInfo[]> => {
    const replies = await requester.dump({
      type: rt.MessageType.GETLINK,
      body: body('link', {}, {}),
      what: 'cannot list links',
    });
    return replies.flatMap((r) => (r.message.kind === 'link' ? (toLinkInfo(r.message) ?? []) : []));
  };

  const resync = async (): Promise<void> => {
    if (resyncing) {
      resyncAgain = true;
      return;
    }
    resyncing = true;
    try {
      for (let round = 0; round < 3 && !closed; round++) {
        resyncAgain = false;
        const links = await dumpLinks();
        if (closed) return;
        const seen = new Set<number>();
        for (const info of links) {
          seen.add(info.index);
          noteLink(info);
        }
        for (const [index, prev] of [...known]) {
          if (seen.has(index)) continue;
          known.delete(index);
          dispatch(linkListeners, { ...prev, up: false, deleted: true });
        }
        if (!resyncAgain) break;
      }
    } catch (err) {
      if (!closed) opts.onError?.(toNetlinkError('cannot resynchronise links', err));
    } finally {
      resyncing = false;
    }
  };

  const groups = [rt.MulticastGroups.LINK];
  if (opts.addresses !== false) groups.push(rt.MulticastGroups.IPV4_IFADDR, rt.MulticastGroups.IPV6_IFADDR);
  let subscriber: RtSubscriber;
  try {
    subscriber = new RtSubscriber({
      groups,
      ...(opts.ref === undefined ? {} : { ref: opts.ref }),
      onMessage: (reply) => {
        if (buffered) buffered.push(reply);
        else handle(reply);
      },
      onError: (err) => {
        if (err.code === 'ENOBUFS') void resync();
        else opts.onError?.(err);
      },
    });
  } catch (err) {
    requester.close();
    throw err;
  }

  // Joined first, then read: a change between the two shows up as a buffered notification.
  try {
    for (const info of await dumpLinks()) known.set(info.index, info);
  } catch (err) {
    subscriber.close();
    requester.close();
    throw toNetlinkError('cannot start the link watcher', err);
  }
  const pending = buffered;
  buffered = undefined;
  for (const reply of pending) handle(reply);

  return {
    async get(name) {
      if (!validName(name)) return undefined;
      try {
        return toLinkInfo(await linkByName(requester, name, `cannot read link ${name}`));
      } catch (err) {
        if (toNetlinkError(name, err).code === 'ENODEV') return undefined;
        throw err;
      }
    },
    onChange(listener) {
      linkListeners.add(listener);
      return () => {
        linkListeners.delete(listener);
      };
    },
    onAddressChange(listener) {
      addrListeners.add(listener);
      return () => {
        addrListeners.delete(listener);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      subscriber.close();
      requester.close();
      linkListeners.clear();
      addrListeners.clear();
    },
  };
}
