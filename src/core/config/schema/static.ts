/**
 * `static_ipaddress { IP[/prefix] dev IF [scope ...] [label ...] [brd ...] }`: addresses vipd adds at start and
 * holds for its whole life, whatever the VRRP states (keepalived's static addresses). The line syntax is
 * virtual_ipaddress's. Without `dev`: global_defs default_interface; keepalived's default for that is eth0, which
 * vipd follows only in keepalived.conf, with a warning (its YAML asks for dev or default_interface).
 */
import type { AddressSpec } from '../../net.js';
import type { InstanceConfig } from '../model.js';
import { addressKey, parseVip } from '../vip.js';
import type { Reporter } from './report.js';

export function buildStaticAddresses(
  node: unknown,
  instances: readonly InstanceConfig[],
  defaultInterface: string | undefined,
  trackGroups: Readonly<Record<string, string[]>>,
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
    let dev = defaultInterface ?? '';
    if (!words.includes('dev') && defaultInterface === undefined) {
      report.compat(
        at,
        'value',
        `static_ipaddress "${String(line).trim()}" has no dev: keepalived 2.2.7 puts it on eth0 (default_interface's ` +
          'default), and so does vipd',
        `static_ipaddress "${String(line).trim()}" needs dev IF (or global_defs default_interface)`,
      );
      if (!report.keepalived) return;
      dev = 'eth0';
    }
    const res = parseVip(String(line), dev, true);
    if (!res.ok) {
      report.error(at, 'value', res.error.replace(/virtual_ipaddress\b/, 'static_ipaddress'));
      return;
    }
    for (const w of res.warnings) report.warn(at, 'value', w.replace(/virtual_ipaddress\b/, 'static_ipaddress'));
    if (res.spec.trackGroup !== undefined && !Object.hasOwn(trackGroups, res.spec.trackGroup)) {
      report.error(at, 'value', `static_ipaddress ${res.spec.address}: there is no track_group ${res.spec.trackGroup}`);
      return;
    }
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
