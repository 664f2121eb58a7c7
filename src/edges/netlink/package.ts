/**
 * The parts of the `netlink` package vipd uses, required from the files that hold them. Its index loads every
 * family it knows (nl80211, WireGuard, generic netlink), and an ES module importing a CommonJS package makes Node
 * scan the package's sources for export names: about 60 ms of start-up, against about 20 ms for these files
 * (issue 11). Types come from the package as usual (`import type`).
 */
import { createRequire } from 'node:module';
import type * as Netlink from 'netlink';
import type { rt as RtTypes } from 'netlink';

type Package = typeof Netlink;
const load = createRequire(import.meta.url);

const constants = load('netlink/dist/constants') as Pick<
  Package,
  'Flags' | 'FlagsGet' | 'FlagsNew' | 'MessageType' | 'Protocol'
>;
const structs = load('netlink/dist/structs') as Pick<
  Package,
  'AttrStream' | 'formatMessage' | 'parseError' | 'parseMessages'
>;

export const { Flags, FlagsGet, FlagsNew, MessageType, Protocol } = constants;
export const { AttrStream, formatMessage, parseError, parseMessages } = structs;
export const { RawNetlinkSocket } = load('netlink/dist/raw') as Pick<Package, 'RawNetlinkSocket'>;
/** rtnetlink's message codecs and constants (the package's `rt`), and below, the types of it vipd names. */
export const rt = load('netlink/dist/rt/structs') as typeof RtTypes;
export declare namespace rt {
  type Address = RtTypes.Address;
  type AddressAttrs = RtTypes.AddressAttrs;
  type AddressFlags = RtTypes.AddressFlags;
  type AddressMessage = RtTypes.AddressMessage;
  type Link = RtTypes.Link;
  type LinkMessage = RtTypes.LinkMessage;
  type Message = RtTypes.Message;
  type MessageType = RtTypes.MessageType;
  type MulticastGroups = RtTypes.MulticastGroups;
  type Route = RtTypes.Route;
  type RouteAttrs = RtTypes.RouteAttrs;
  type RouteMessage = RtTypes.RouteMessage;
  type RouteMetrics = RtTypes.RouteMetrics;
  type Rule = RtTypes.Rule;
  type RuleAttrs = RtTypes.RuleAttrs;
  type RuleMessage = RtTypes.RuleMessage;
}
export type RawNetlinkSocket = Netlink.RawNetlinkSocket;
export type Protocol = Netlink.Protocol;
export type { RawNetlinkSocketOptions } from 'netlink';
