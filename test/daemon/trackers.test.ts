/**
 * Trackers on fake edges: what reaches the check engine is the configuration's one check spec, timing included
 * (no second description, no hand mapping), with the script user resolved.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../src/core/checks/spec.js';
import type { AnnounceConfig } from '../../src/core/config/model.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import type { TrackerEdges } from '../../src/core/ports.js';
import { Trackers } from '../../src/daemon/vrrp/trackers.js';

function started(yaml: string) {
  const parsed = parseYamlConfig(yaml, 'test.yaml');
  if (!parsed.config) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  const specs: CheckSpec[] = [];
  const edges: TrackerEdges = {
    createCheck: (spec) => {
      specs.push(spec);
      return { start: () => undefined, stop: async () => undefined, running: true };
    },
    watchFile: () => () => undefined,
    readFile: () => undefined,
    writeFile: () => undefined,
    scriptSecurity: () => undefined,
    resolveUser: (u) => (u.user === 'nobody' ? { uid: 65534, gid: 65534 } : undefined),
  };
  const trackers = new Trackers(parsed.config, edges, pino({ level: 'silent' }));
  for (const i of parsed.config.instances) trackers.bind(i, () => undefined);
  trackers.start();
  return { specs, config: parsed.config };
}

const instance = (track: string) => `vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    priority: 100
    virtual_ipaddress: ["192.0.2.100/24"]
    ${track}
`;

describe('Trackers → check engine', () => {
  it('a vrrp_script runs as a MISC_CHECK every interval, at once, without retries, timeout = interval', () => {
    const { specs } = started(`vrrp_script:
  chk: { script: "/bin/true arg", interval: 3, user: nobody }
${instance('track_script: [chk]')}`);
    expect(specs).toEqual([
      {
        type: 'MISC_CHECK',
        miscPath: ['/bin/true', 'arg'],
        miscTimeoutMs: 3000,
        delayLoopMs: 3000,
        retry: 0,
        delayBeforeRetryMs: 0,
        warmupMs: 0,
        uid: 65534,
        gid: 65534,
      },
    ]);
  });

  it('a vrrp_check reaches the engine as the configuration describes it, with keepalived defaults filled in', () => {
    const { specs } = started(`vrrp_check:
  web:
    HTTP_GET: { connect_port: 8080, url: [{ path: /health }] }
${instance('track_check: [web]')}`);
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({
      type: 'HTTP_GET',
      connectIp: '127.0.0.1',
      connectPort: 8080,
      connectTimeoutMs: 5000,
      delayLoopMs: 2000,
      retry: 1,
      delayBeforeRetryMs: 3000,
      warmupMs: 0,
      urls: [{ path: '/health', statusCode: [[200, 299]] }],
    });
  });
});

describe('Trackers → announces', () => {
  it("an announce hears the first of its trackers down, virtual servers' quorum included; a script only it tracks runs", () => {
    const parsed = parseYamlConfig(
      `vrrp_script:
  chk: { script: /bin/true, weight: -20 }
virtual_server:
  10.0.0.1 80:
    protocol: TCP
    real_server:
      10.0.0.11 80: {}
announce:
  WEB:
    prefix: 192.0.2.10
    track_virtual_server: [10.0.0.1 80]
    track_script: [chk]
`,
      'test.yaml',
    );
    if (!parsed.config) throw new Error(parsed.errors.map((e) => e.message).join('; '));
    const results: ((r: { ok: boolean; reason: string; latencyMs: number }) => void)[] = [];
    const edges: TrackerEdges = {
      createCheck: (_spec, onResult) => {
        results.push(onResult);
        return { start: () => undefined, stop: async () => undefined, running: true };
      },
      watchFile: () => () => undefined,
      readFile: () => undefined,
      writeFile: () => undefined,
      scriptSecurity: () => undefined,
      resolveUser: () => undefined,
    };
    const trackers = new Trackers(parsed.config, edges, pino({ level: 'silent' }));
    const heard: (string | undefined)[] = [];
    trackers.bindAnnounce(parsed.config.announces[0] as AnnounceConfig, (down) => heard.push(down));
    trackers.start();
    expect(results).toHaveLength(1);
    trackers.virtualServerChanged('TCP 10.0.0.1 80', false);
    trackers.virtualServerChanged('TCP 10.0.0.1 80', false); // no change, nothing heard
    trackers.virtualServerChanged('TCP 10.0.0.1 80', true);
    results[0]?.({ ok: false, reason: 'exit 1', latencyMs: 1 }); // fall 1: down, its weight -20 meaning nothing here
    trackers.unbindAnnounce('WEB');
    results[0]?.({ ok: true, reason: 'ok', latencyMs: 1 });
    expect(heard).toEqual([undefined, 'virtual-server:TCP 10.0.0.1 80', undefined, 'script:chk']);
  });
});
