/** SNMP values as the MIBs vipd serves write them: one VarBind per object, by type. */
import { parseAddress } from '../codec/ip-address.js';
import { type Oid, TYPE, type VarBind } from './agentx.js';

export const int = (o: Oid, value: number): VarBind => ({ oid: o, type: TYPE.integer, value });
/** Gauge32, and Unsigned32 (the same on the wire). */
export const gauge = (o: Oid, value: number): VarBind => ({ oid: o, type: TYPE.gauge32, value: value >>> 0 });
export const counter = (o: Oid, value: number): VarBind => ({ oid: o, type: TYPE.counter32, value: value >>> 0 });
export const counter64 = (o: Oid, value: number | bigint): VarBind => ({
  oid: o,
  type: TYPE.counter64,
  value: BigInt(value),
});
export const ticks = (o: Oid, value: number): VarBind => ({ oid: o, type: TYPE.timeTicks, value });
export const octets = (o: Oid, value: Uint8Array | string): VarBind => ({
  oid: o,
  type: TYPE.octetString,
  value: typeof value === 'string' ? Buffer.from(value) : value,
});
export const ipAddress = (o: Oid, text: string): VarBind => ({
  oid: o,
  type: TYPE.ipAddress,
  value: parseAddress(text),
});
/** TruthValue: true(1), false(2). */
export const truth = (o: Oid, v: boolean): VarBind => int(o, v ? 1 : 2);
/** InetAddressType: ipv4(1), ipv6(2). */
export const inetType = (family: 4 | 6): number => (family === 4 ? 1 : 2);

/**
 * A command as keepalived prints it (cmd_str_r): each word in single quotes, but a first word that is only a
 * redirection (`<FILE`, `>FILE`, a test for a file).
 */
export function commandText(argv: readonly string[]): string {
  return argv.map((w, i) => (i === 0 && (w.startsWith('<') || w.startsWith('>')) ? w : `'${w}'`)).join(' ');
}
