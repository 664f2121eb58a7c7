/**
 * The start-up rehearsal of a failover (daemon/vrrp/rehearsal.ts): a scratch runner goes through takeovers and releases
 * on edges of its own, for every kind of instance, and says nothing in the logs. On the fake daemon, the
 * rehearsal and the send-path warm-up put nothing on the wire and leave the instance as it was.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { InstanceConfig } from '../../src/core/config/model.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { rehearseTakeover } from '../../src/daemon/vrrp/rehearsal.js';
import { configOf, instanceYaml, world } from '../helpers/fake-daemon.js';

function instanceConfig(lines: string): InstanceConfig {
  const yaml = `vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    priority: 255
${lines}`;
  const r = parseYamlConfig(yaml, 'test.yaml');
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config.instances[0] as InstanceConfig;
}

/** A logger that keeps every line, down to trace. */
function recordingLog() {
  const lines: string[] = [];
  return { lines, log: pino({ level: 'trace' }, { write: (line: string) => lines.push(line) }) };
}

describe('rehearseTakeover', () => {
  const kinds: [string, string][] = [
    ['VRRPv3, IPv4', '    version: 3\n    virtual_ipaddress: ["192.0.2.100/24"]\n'],
    [
      'VRRPv2 with a password',
      '    version: 2\n    authentication: {auth_type: PASS, auth_pass: secret}\n    virtual_ipaddress: ["192.0.2.100/24"]\n',
    ],
    [
      'VRRPv2 with IPsec AH',
      '    version: 2\n    authentication: {auth_type: AH, auth_pass: secret}\n    virtual_ipaddress: ["192.0.2.100/24"]\n',
    ],
    ['IPv6', '    version: 3\n    virtual_ipaddress: ["2001:db8::100/64"]\n'],
    [
      'unicast peers and a route',
      '    version: 3\n    unicast_peer: ["192.0.2.12", "192.0.2.13"]\n    virtual_ipaddress: ["192.0.2.100/24"]\n    virtual_routes: ["198.51.100.0/24 via 192.0.2.1"]\n',
    ],
  ];
  for (const [kind, lines] of kinds) {
    it(`${kind}: takeover, release, priority-0 takeover, forced release, shutdown; not one log line`, async () => {
      const { lines: logged, log } = recordingLog();
      // Priority 255 in the configuration: the rehearsal still starts as a backup (an owner would skip the takeover).
      await expect(rehearseTakeover(instanceConfig(lines), log)).resolves.toEqual([
        'BACKUP', // start-up
        'MASTER', // the down timer
        'BACKUP', // a higher priority heard
        'MASTER', // that master's priority 0, then Skew_Time
        'BACKUP', // the sync group's release
        'INIT', // shutdown
      ]);
      expect(logged).toEqual([]);
    });
  }
});

describe('the daemon rehearses once started', () => {
  it('nothing on the wire, nothing in the kernel, no log line about it, and the instance is as it was', async () => {
    const w = world('', '', instanceYaml('VI_1', 51));
    await w.daemon.start();
    await w.settle();
    expect(w.state()).toBe('BACKUP');
    expect(w.wire).toEqual([]);
    // The send-path warm-up went as far as the (fake) addon, which refused it as the real one does.
    expect(w.refused).toEqual(['advert ttl=0 on 2', 'frame of 0 bytes on 2']);
    expect(w.kernel.has('eth0', '192.0.2.100')).toBe(false);
    expect(w.lines.filter((l) => /rehears|warm/.test(l.msg))).toEqual([]);
    expect(w.lines.filter((l) => l.msg === 'state transition').map((l) => l.to)).toEqual(['BACKUP']);
  });

  it('a reload rehearses only the kinds of instance it brings', async () => {
    const w = world('', '', instanceYaml('VI_1', 51));
    await w.daemon.start();
    await w.settle();
    w.refused.length = 0;
    const v2 = instanceYaml('VI_2', 52, { version: 2, advertInt: 1, vips: ['192.0.2.102/24'] });
    await w.daemon.reload(
      configOf(
        `vrrp_instance:\n${instanceYaml('VI_1', 51)}${instanceYaml('VI_3', 53, { vips: ['192.0.2.103/24'] })}${v2}`,
      ),
    );
    await w.settle();
    expect(w.refused).toEqual(['advert ttl=0 on 2', 'frame of 0 bytes on 2']); // VI_2 only: VI_3 is VI_1's kind
    expect(w.wire).toEqual([]);
  });

  it('a daemon stopped before its rehearsal ran leaves it out (its timers and sockets are closed)', async () => {
    const w = world('', '', instanceYaml('VI_1', 51));
    await w.daemon.start();
    await w.daemon.stop();
    await w.settle();
    expect(w.refused).toEqual([]);
    expect(w.time.timers.filter((t) => t.armed)).toEqual([]);
  });
});
