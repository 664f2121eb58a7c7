/**
 * Routes and rules deleted in the kernel, whoever deleted them (RTNLGRP_IPV4/IPV6_ROUTE and _RULE). Opened only when
 * the configuration has routes or rules: a router with full BGP tables sends a great many route notifications, and
 * of those only deletions are passed on, with what the daemon needs to tell whether one may be its own.
 */

import type { RoutingDeletion } from '../../core/ports.js';
import { AF_INET, AF_INET6 } from './messages.js';
import { rt } from './package.js';
import { type NetlinkError, RtSubscriber } from './transport.js';

export function watchRoutingDeletions(
  onDeleted: (d: RoutingDeletion) => void,
  onError: (err: NetlinkError) => void,
): () => void {
  const subscriber = new RtSubscriber({
    groups: [
      rt.MulticastGroups.IPV4_ROUTE,
      rt.MulticastGroups.IPV6_ROUTE,
      rt.MulticastGroups.IPV4_RULE,
      rt.MulticastGroups.IPV6_RULE,
    ],
    ref: false,
    onMessage: ({ type, message: m }) => {
      const del = type === rt.MessageType.DELROUTE || type === rt.MessageType.DELRULE;
      if (!del || (m.kind !== 'route' && m.kind !== 'rule')) return;
      const family = m.data.family === AF_INET ? 4 : m.data.family === AF_INET6 ? 6 : undefined;
      if (family) onDeleted({ kind: m.kind, family });
    },
    // A lost notification may have been a deletion of vipd's: say so, and the daemon re-adds what it holds.
    onError: (err) => (err.code === 'ENOBUFS' ? onDeleted({ kind: 'route', family: undefined }) : onError(err)),
  });
  return () => subscriber.close();
}
