/** What a director announcing a virtual server is told at start: sloppy_tcp, and a scheduler that keeps flows put. */
import { describe, expect, it } from 'vitest';
import { scaleOutAdvice } from '../../src/core/announce/advice.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';

const config = (algo: string, tracked = true) => {
  const r = parseYamlConfig(
    `virtual_server:
  198.51.100.10 80: { protocol: TCP, lb_algo: ${algo}, real_server: { 10.0.0.11 80: {} } }
  198.51.100.10 443: { protocol: TCP, lb_algo: rr, real_server: { 10.0.0.11 443: {} } }
announce:
  WEB: { prefix: 198.51.100.10${tracked ? ', track_virtual_server: ["198.51.100.10 80"]' : ''} }
`,
    'x.yaml',
  );
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
};

describe('scale-out advice', () => {
  it('sloppy_tcp off and a scheduler that scatters moved flows: one warning each', () => {
    expect(scaleOutAdvice(config('wrr'), () => '0\n')).toEqual([
      'net.ipv4.vs.sloppy_tcp is 0: a connection the routers move to this director mid-way is dropped; set it to 1 on every director that announces a virtual server',
      'virtual_server 198.51.100.10 80 is announced with lb_algo wrr: a flow the routers move to another director may reach another real server there; lb_algo mh keeps it on the same one',
    ]);
  });

  it('mh and sloppy_tcp on: nothing; nothing either without an announced virtual server, or without IPVS', () => {
    expect(scaleOutAdvice(config('mh'), () => '1')).toEqual([]);
    expect(scaleOutAdvice(config('wrr', false), () => '0')).toEqual([]);
    expect(scaleOutAdvice(config('mh'), () => undefined)).toEqual([]);
  });
});
