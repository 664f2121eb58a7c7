/**
 * `static_ipaddress { IP[/prefix] dev IF [scope ...] [label ...] [brd ...] }`: addresses vipd adds at start and
 * holds for its whole life, whatever the VRRP states (keepalived's static addresses). The line syntax is
 * virtual_ipaddress's; `dev` is required, since there is no instance interface to default to.
 */
import type { AddressSpec } from '../../ports.js';
import type { InstanceConfig } from '../model.js';
import { addressKey, parseVip } from '../vip.js';
import type { Reporter } from './report.js';

export function buildStaticAddresses(
  node: unknown,
  instances: readonly InstanceConfig[],
  report: Reporter,
): AddressSpec[] {
  if (node === undefined) return [];
  const lines = Array.isArray(node) ? node : typeof node === 'string' ? [node] : undefined;
  const base = ['static_ipaddress'];
  if (!lines) {
    report.error(base, 'value', 'static_ipaddress must be a list of lines like "10.0.0.1/24 dev eth0"');
    return [];
  }
  const vips = new Map(instances.flatMap((i) => i.vips.map((v) => [addressKey(v), i.name] as const)));
  const seen = new Map<string, number>();
  const out: AddressSpec[] = [];
  lines.forEach((line, i) => {
    const at = Array.isArray(node) ? [...base, i] : base;
    const words = String(line).trim().split(/\s+/);
    if (!words.includes('dev')) {
      report.error(
        at,
        'value',
        `static_ipaddress "${String(line).trim()}" needs dev IF (which interface to put it on)`,
      );
      return;
    }
    const res = parseVip(String(line), '');
    if (!res.ok) {
      report.error(at, 'value', res.error.replace(/virtual_ipaddress\b/, 'static_ipaddress'));
      return;
    }
    for (const w of res.warnings) report.warn(at, 'value', w.replace(/virtual_ipaddress\b/, 'static_ipaddress'));
    const key = addressKey(res.spec);
    const vip = vips.get(key);
    if (vip) {
      report.error(at, 'value', `static_ipaddress ${res.spec.address} is also a virtual_ipaddress of ${vip}`);
      return;
    }
    const dup = seen.get(key);
    if (dup !== undefined) {
      report.warn(
        at,
        'value',
        `static_ipaddress ${res.spec.address} is listed twice (entries ${dup + 1} and ${i + 1}); the repeat is ignored`,
      );
      return;
    }
    seen.set(key, i);
    out.push(res.spec);
  });
  return out;
}
