/**
 * InstanceRunner on fake edges (no root needed): the order in which a takeover, a release and a stop
 * reach the wire and the kernel, which VIPs are removed, and how bad packets and send errors are counted.
 */

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { encodeAdvert } from '../../src/core/codec/advert.js';
import { decodeGarp } from '../../src/core/codec/frames.js';
import type { InstanceConfig } from '../../src/core/config/model.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import type { AddressSpec } from '../../src/core/net.js';
import type { AddressPort, ReceivedPacket, VrrpPort } from '../../src/core/ports.js';
import { KernelLedger } from '../../src/daemon/ledger.js';
import { InstanceRunner } from '../../src/daemon/vrrp/instance.js';
import { Receiver } from '../../src/daemon/vrrp/receiver.js';
import { advertRefusal, frameRefusal, settleSend } from '../helpers/fake-send.js';
import { FakeTimers } from '../helpers/fake-timers.js';

const PRIMARY = '192.0.2.11';
const MAC = Buffer.from('02000000000b', 'hex');

function instanceConfig(extra = ''): InstanceConfig {
  const yaml = `vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    priority: 150
    version: 3
    advert_int: 0.1
    notify: /bin/true
    virtual_ipaddress: ["192.0.2.100/24", "192.0.2.101/24"]
${extra}`;
  const r = parseYamlConfig(yaml, 'test.yaml');
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config.instances[0] as InstanceConfig;
}

/** Everything the runner does, in one ordered log. */
function fakeWorld(opts: { present?: string[]; sendThrows?: boolean } = {}) {
  const log: string[] = [];
  /** Sends the fake addon refused before any syscall. */
  const refused: string[] = [];
  const time = new FakeTimers();
  const inbound: ((p: ReceivedPacket) => void)[] = [];
  const port: VrrpPort = {
    send(message, dst, sendOpts) {
      const refusal = advertRefusal(sendOpts);
      if (refusal) {
        refused.push(`advert prio=${message[2]} ttl=${sendOpts?.ttl} -> ${dst}`);
        throw refusal;
      }
      settleSend(sendOpts, () => {
        if (opts.sendThrows) throw Object.assign(new Error('sendmsg ENETUNREACH'), { code: 'ENETUNREACH' });
        log.push(`advert prio=${message[2]} -> ${dst}`);
      });
    },
    onPacket: (l) => inbound.push(l),
    kernelDrops: () => 0,
    close: () => log.push('socket closed'),
  };
  const addresses: AddressPort = {
    add(spec: AddressSpec) {
      log.push(`add ${spec.address}`);
      return Promise.resolve(opts.present?.includes(spec.address) ? 'present' : 'added');
    },
    remove(spec: AddressSpec) {
      log.push(`remove ${spec.address}`);
      return Promise.resolve('removed');
    },
    list: async () => [],
    close: () => undefined,
  };
  const scripts: string[][] = [];
  const transitions: string[] = [];
  const receiver = new Receiver('eth0', 4, port);
  const runner = new InstanceRunner(
    instanceConfig(),
    { primaryAddress: PRIMARY, mac: MAC, ipv6Router: false },
    [receiver],
    {
      sendAdvert: (message, dst, o) => port.send(message, dst, o),
      sendFrame: (f) => {
        const refusal = frameRefusal(f);
        if (refusal) {
          refused.push(`frame of ${f.length} bytes`);
          throw refusal;
        }
        log.push(`garp ${decodeGarp(f)?.senderIp}`);
      },
      sendAhDatagram: (d, dst) => log.push(`ah datagram of ${d.length} bytes to ${dst}`),
    },
    {
      clock: time.clock,
      ledger: new KernelLedger({ addresses }, pino({ level: 'silent' })),
      createTimer: time.createTimer,
      reportTransition: (t) => transitions.push(`${t.from}->${t.to} ${t.cause}`),
      runScript: async ({ argv }) => {
        log.push(`notify ${argv.slice(1).join(' ')}`);
        scripts.push(argv);
      },
    },
    pino({ level: 'silent' }),
  );
  /** Advances the fake clock to the earliest armed timer and fires it. */
  const fireNext = () => {
    const t = time.takeNext();
    if (!t) throw new Error('no armed timer');
    t.fire();
  };
  const receive = (message: Buffer, ttl = 255, src = '192.0.2.12') => {
    // What a raw IPv4 socket delivers: a 20-byte header in front of the message.
    const header = Buffer.from('45c00000000100000070000000000000e0000012', 'hex');
    header.writeUInt16BE(20 + message.length, 2);
    header[8] = ttl;
    Buffer.from(src.split('.').map(Number)).copy(header, 12);
    const packet = {
      family: 4 as const,
      data: Buffer.concat([header, message]),
      src,
      dst: '224.0.0.18',
      ttl,
      ifindex: 2,
      at: time.now,
    };
    for (const l of inbound) l(packet);
  };
  const settle = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setImmediate(r)));
  return { log, refused, runner, fireNext, receive, settle, scripts, transitions };
}

const advertFrom = (priority: number, src = '192.0.2.12') =>
  encodeAdvert(
    { version: 3, vrid: 51, priority, maxAdverIntervalMs: 100, addresses: ['192.0.2.100', '192.0.2.101'] },
    { family: 4, src, dst: '224.0.0.18' },
  );

describe('InstanceRunner on fake edges', () => {
  it('takeover: advert first, then every VIP add, then the GARP block; notify only after the wire work', async () => {
    const w = fakeWorld();
    w.runner.start();
    await w.settle(); // the start-up BACKUP notify
    w.log.length = 0;
    w.fireNext(); // master-down timer
    const synchronous = [...w.log];
    expect(synchronous).toEqual([
      'advert prio=150 -> 224.0.0.18',
      'add 192.0.2.100',
      'add 192.0.2.101',
      ...Array.from({ length: 5 }, () => ['garp 192.0.2.100', 'garp 192.0.2.101']).flat(),
    ]);
    await w.settle();
    expect(w.log.slice(synchronous.length)).toEqual(['notify INSTANCE VI_1 MASTER 150']);
    expect(w.transitions).toEqual(['INIT->BACKUP startup', 'BACKUP->MASTER master-down-timer']);
  });

  it('warmSendPath: the send calls reach the sender and are refused there; nothing is sent, counted or changed', async () => {
    const w = fakeWorld();
    w.runner.start();
    await w.settle();
    w.log.length = 0;
    const before = { ...w.runner.counters };
    w.runner.warmSendPath();
    await w.settle();
    expect(w.refused).toEqual(['advert prio=150 ttl=0 -> 224.0.0.18', 'frame of 0 bytes']);
    expect(w.log).toEqual([]);
    expect({ ...w.runner.counters }).toEqual(before);
    expect(w.runner.machine.state).toBe('BACKUP');
    w.fireNext(); // and the takeover that follows is the usual one
    expect(w.log[0]).toBe('advert prio=150 -> 224.0.0.18');
  });

  it('stop: priority 0 on the wire before any VIP is removed, and only the VIPs it added are removed', async () => {
    const w = fakeWorld({ present: ['192.0.2.101'] });
    w.runner.start();
    w.fireNext();
    await w.settle();
    w.log.length = 0;
    await w.runner.stop(50);
    expect(w.log[0]).toBe('advert prio=0 -> 224.0.0.18');
    expect(w.log.filter((l) => l.startsWith('remove'))).toEqual(['remove 192.0.2.100']);
    expect(w.log).toContain('notify INSTANCE VI_1 STOP 150');
    expect(w.log.indexOf('remove 192.0.2.100')).toBeGreaterThan(0);
  });

  it('a higher-priority advert makes the master release its VIPs; counters follow', async () => {
    const w = fakeWorld();
    w.runner.start();
    w.fireNext();
    await w.settle();
    w.log.length = 0;
    w.receive(advertFrom(200));
    await w.settle();
    expect(w.log.filter((l) => l.startsWith('remove'))).toEqual(['remove 192.0.2.100', 'remove 192.0.2.101']);
    expect(w.runner.machine.state).toBe('BACKUP');
    expect(w.runner.counters.toJSON()).toMatchObject({ advert_rcvd: 1, become_master: 1, release_master: 1 });
  });

  it('counts a dropped packet under its reason and changes nothing else', () => {
    const w = fakeWorld();
    w.runner.start();
    w.receive(advertFrom(200), 254); // multicast with TTL 254
    expect(w.runner.counters.toJSON()).toMatchObject({ advert_rcvd: 0, rx_dropped: { ip_ttl: 1 } });
    expect(w.runner.machine.state).toBe('BACKUP');
  });

  it('a failing send (link flapping) is counted and logged, never thrown', () => {
    const w = fakeWorld({ sendThrows: true });
    w.runner.start();
    expect(() => w.fireNext()).not.toThrow();
    expect(w.runner.counters.toJSON()).toMatchObject({ send_errors: 1, advert_sent: 0 });
  });
});
