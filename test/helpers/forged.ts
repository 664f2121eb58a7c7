/**
 * Forged adverts sent from a lab host: frames built with the codec, sent by frame-sender.ts in the host's namespace.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { type AdvertFields, encodeAdvert } from '../../src/core/codec/advert.js';
import { ETHERTYPE, encodeEthernetFrame } from '../../src/core/codec/ethernet.js';
import { encodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import type { Lab } from './netns.js';
import { repoRoot } from './routers.js';

const GROUP_MAC = Buffer.from([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]);
const macOf = (text: string) => Buffer.from(text.split(':').map((h) => Number.parseInt(h, 16)));

export interface Forgery {
  fields: AdvertFields;
  /** Default: the VRRP group (multicast); a host name sends unicast to that host's address and MAC. */
  to?: string;
  ttl?: number;
}

/** The frame `from` would send for `f` (its own address and MAC as the source). */
export function forgedFrame(lab: Lab, from: string, f: Forgery): Buffer {
  const src = lab.host(from).ipv4;
  const dst = f.to ? lab.host(f.to).ipv4 : '224.0.0.18';
  const dstMac = f.to ? macOf(lab.exec(f.to, 'cat', '/sys/class/net/eth0/address').trim()) : GROUP_MAC;
  const message = encodeAdvert(f.fields, { family: 4, src, dst });
  const datagram = encodeIpv4Datagram({ src, dst, protocol: 112, ttl: f.ttl ?? 255, tos: 0xc0 }, message);
  const mac = macOf(lab.exec(from, 'cat', '/sys/class/net/eth0/address').trim());
  return encodeEthernetFrame(dstMac, mac, ETHERTYPE.ipv4, datagram);
}

/** Sends the frames from `from` every intervalMs, `rounds` times; resolves when the sender is done. */
export function sendFrames(
  lab: Lab,
  from: string,
  frames: Buffer[],
  intervalMs: number,
  rounds: number,
): Promise<void> {
  const ifindex = lab.exec(from, 'cat', '/sys/class/net/eth0/ifindex').trim();
  const child: ChildProcess = lab.spawn(
    from,
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'test/helpers/frame-sender.ts'),
      ifindex,
      String(intervalMs),
      String(rounds),
      ...frames.map((f) => f.toString('hex')),
    ],
    { cwd: repoRoot },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`frame sender failed (${code}): ${err}`)))),
  );
}
