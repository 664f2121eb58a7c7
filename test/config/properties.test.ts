/**
 * fast-check properties of both configuration readers: the same instances written as keepalived.conf and as vipd's
 * YAML give the same model, with the values that were written; the YAML vipd converts a model to reads back to
 * that model; and no text, however broken, makes either reader throw: it is refused with file:line:col.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../src/core/config/convert.js';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { VipdConfig } from '../../src/core/config/model.js';
import { formatIssue } from '../../src/core/config/result.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { withoutSources as strip } from '../helpers/model.js';
import { memHost } from './keepalived/helpers.js';

interface Instance {
  state: 'MASTER' | 'BACKUP';
  iface: string;
  vrid: number;
  priority: number;
  version: 2 | 3;
  /** In ms: whole seconds for v2, a multiple of 10 ms for v3. */
  intervalMs: number;
  nopreempt: boolean;
  preemptDelay: number;
  password?: string | undefined;
  vips: string[];
}

const instance: fc.Arbitrary<Instance> = fc
  .record({
    state: fc.constantFrom<'MASTER' | 'BACKUP'>('MASTER', 'BACKUP'),
    iface: fc.constantFrom('eth0', 'eth1', 'bond0'),
    vrid: fc.integer({ min: 1, max: 255 }),
    priority: fc.integer({ min: 1, max: 254 }),
    version: fc.constantFrom<2 | 3>(2, 3),
    seconds: fc.integer({ min: 1, max: 255 }),
    centis: fc.integer({ min: 1, max: 4095 }),
    nopreempt: fc.boolean(),
    preemptDelay: fc.integer({ min: 0, max: 1000 }),
    password: fc.option(fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/), { nil: undefined }),
    vips: fc.uniqueArray(
      fc.tuple(
        fc.integer({ min: 1, max: 223 }),
        fc.nat(255),
        fc.nat(255),
        fc.integer({ min: 1, max: 254 }),
        fc.integer({ min: 8, max: 32 }),
      ),
      { minLength: 1, maxLength: 4, selector: (t) => t.slice(0, 4).join('.') },
    ),
  })
  .map((r) => ({
    state: r.state,
    iface: r.iface,
    vrid: r.vrid,
    priority: r.priority,
    version: r.version,
    intervalMs: r.version === 2 ? r.seconds * 1000 : r.centis * 10,
    // nopreempt and preempt_delay only where keepalived keeps them: state BACKUP (it clears both with MASTER).
    nopreempt: r.state === 'BACKUP' && r.nopreempt,
    preemptDelay: r.nopreempt || r.state === 'MASTER' ? 0 : r.preemptDelay,
    password: r.version === 2 ? r.password : undefined,
    vips: r.vips.map(([a, b, c, d, prefix]) => `${a}.${b}.${c}.${d}/${prefix}`),
  }));

const instances = fc.uniqueArray(instance, { minLength: 1, maxLength: 4, selector: (i) => `${i.iface} ${i.vrid}` });

function keepalivedConf(list: Instance[]): string {
  return list
    .map((i, k) =>
      [
        `vrrp_instance VI_${k} {`,
        `  state ${i.state}`,
        `  interface ${i.iface}`,
        `  virtual_router_id ${i.vrid}`,
        `  priority ${i.priority}`,
        `  version ${i.version}`,
        `  advert_int ${i.intervalMs / 1000}`,
        ...(i.nopreempt ? ['  nopreempt'] : []),
        ...(i.preemptDelay ? [`  preempt_delay ${i.preemptDelay}`] : []),
        ...(i.password ? [`  authentication {\n    auth_type PASS\n    auth_pass ${i.password}\n  }`] : []),
        '  virtual_ipaddress {',
        ...i.vips.map((v) => `    ${v}`),
        '  }',
        '}',
      ].join('\n'),
    )
    .join('\n');
}

function yaml(list: Instance[]): string {
  const lines = ['vrrp_instance:'];
  list.forEach((i, k) => {
    lines.push(`  VI_${k}:`, `    state: ${i.state}`, `    interface: ${i.iface}`, `    virtual_router_id: ${i.vrid}`);
    lines.push(`    priority: ${i.priority}`, `    version: ${i.version}`, `    advert_int: ${i.intervalMs / 1000}`);
    if (i.nopreempt) lines.push('    nopreempt: true');
    if (i.preemptDelay) lines.push(`    preempt_delay: ${i.preemptDelay}`);
    if (i.password) lines.push(`    authentication: { auth_type: PASS, auth_pass: "${i.password}" }`);
    lines.push(`    virtual_ipaddress: [${i.vips.map((v) => `"${v}"`).join(', ')}]`);
  });
  return `${lines.join('\n')}\n`;
}

const host = memHost({});

describe('configuration reader properties (fast-check)', () => {
  it('keepalived.conf and YAML of the same instances give one model, holding the values written', () => {
    fc.assert(
      fc.property(instances, (list) => {
        const k = parseKeepalivedToConfig(keepalivedConf(list), '/etc/keepalived/keepalived.conf', { host });
        const y = parseYamlConfig(yaml(list), 'vipd.yaml');
        expect(k.errors.map(formatIssue)).toEqual([]);
        expect(y.errors.map(formatIssue)).toEqual([]);
        expect(strip(k.config)).toEqual(strip(y.config));
        const model = y.config as VipdConfig;
        list.forEach((i, n) => {
          const c = model.instances[n];
          expect(c?.name).toBe(`VI_${n}`);
          expect([c?.interface, c?.vrid, c?.priority, c?.version, c?.advertIntervalMs]).toEqual([
            i.iface,
            i.vrid,
            i.priority,
            i.version,
            i.intervalMs,
          ]);
          expect(c?.preempt).toBe(!i.nopreempt);
          expect(c?.preemptDelayMs).toBe(i.preemptDelay * 1000);
          expect(c?.auth?.password).toBe(i.password);
          expect(c?.vips.map((v) => `${v.address}/${v.prefix}`)).toEqual(i.vips);
        });
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('the YAML vipd writes for a model reads back to that model', () => {
    fc.assert(
      fc.property(instances, (list) => {
        const k = parseKeepalivedToConfig(keepalivedConf(list), '/etc/keepalived/keepalived.conf', { host });
        const back = parseYamlConfig(toYaml(k.config as VipdConfig), 'converted.yaml');
        expect(back.errors.map(formatIssue)).toEqual([]);
        expect(strip(back.config)).toEqual(strip(k.config));
      }),
      { numRuns: 200, seed: 6 },
    );
  });

  const brokenText = fc.array(
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('vrrp_instance VI {', '}', '{', 'priority 300', 'virtual_ipaddress {', 'include /x/*', '@x y'),
      fc.constantFrom('vrrp_instance:', '  VI:', '    priority: -1', '  - [', '    virtual_router_id: 0', '&a *b'),
    ),
    { maxLength: 30 },
  );

  it('no text makes either reader throw; every issue carries a line and a column', () => {
    fc.assert(
      fc.property(brokenText, (lines) => {
        const text = lines.join('\n');
        for (const r of [
          parseKeepalivedToConfig(text, '/etc/keepalived/keepalived.conf', { host }),
          parseYamlConfig(text, 'vipd.yaml'),
        ]) {
          for (const issue of [...r.errors, ...r.warnings]) {
            expect(issue.line).toBeGreaterThanOrEqual(1);
            expect(issue.col).toBeGreaterThanOrEqual(1);
            expect(issue.message.length).toBeGreaterThan(0);
          }
          if (r.errors.length === 0) expect(r.config).toBeDefined();
        }
      }),
      { numRuns: 1000, seed: 9 },
    );
  });
});
