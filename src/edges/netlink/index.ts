/**
 * The rtnetlink edge, by concern: transport (sockets, requests, errors), addresses, links, routes and rules;
 * VMAC interfaces; generic netlink (IPVS) beside them. A netlink socket belongs to the network namespace of
 * the process that opened it.
 */
export { createAddressPort, type NetlinkAddressPort, primaryAddress } from './addresses.js';
export {
  createLinkWatcher,
  type LinkWatcherOptions,
  type NetlinkLinkInfo,
  type NetlinkLinkWatcher,
  type OperState,
} from './links.js';
export { type ListedAddress, type NetlinkOptions, SCOPES, type ScopeName } from './messages.js';
export { createRoutingPort } from './routes.js';
export { NetlinkError } from './transport.js';
export { createVmacPort } from './vmac.js';
