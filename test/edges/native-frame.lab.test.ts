/** The addon's AF_PACKET socket: a frame sent from host a arrives on b byte for byte. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureOnce, runProbe } from '../helpers/native-probe-client.js';
import { canRunNetns, Lab } from '../helpers/netns.js';

function macOf(lab: Lab, host: string): Buffer {
  const [link] = JSON.parse(lab.exec(host, 'ip', '-j', 'link', 'show', 'dev', 'eth0')) as { address: string }[];
  return Buffer.from(link!.address.replaceAll(':', ''), 'hex');
}

/** A gratuitous ARP request (SPA = TPA = ip), as the daemon sends on becoming master. */
function garp(mac: Buffer, ip: string): Buffer {
  const addr = Buffer.from(ip.split('.').map(Number));
  return Buffer.concat([
    Buffer.alloc(6, 0xff),
    mac,
    Buffer.from([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]),
    mac,
    addr,
    Buffer.alloc(6),
    addr,
  ]);
}

describe.skipIf(!canRunNetns())('native PacketSocket in network namespaces', () => {
  let lab: Lab;
  beforeEach(() => {
    lab = Lab.create('nframe', ['a', 'b']);
  });
  afterEach(() => {
    lab.destroy();
  });

  it('sends a whole Ethernet frame that b receives unchanged', async () => {
    const frame = garp(macOf(lab, 'a'), '192.0.2.50');
    expect(frame.length).toBe(42);
    const capture = await captureOnce(lab, 'b', 'arp host 192.0.2.50');
    const lines = await runProbe(lab, 'a', ['frame', '--hex', frame.toString('hex')]);
    expect(lines.map((l) => l.event)).toEqual(['sent']);
    const [seen] = await capture.packets;
    expect(seen!.subarray(0, frame.length).toString('hex')).toBe(frame.toString('hex'));
  });
});
