/**
 * keepalived's top-level groups: garp_group, interface_up_down_delays, track_group.
 *
 * `garp_group { garp_interval S  gna_interval S  interface IF | interfaces { IF ... } }` (keepalived): the pacing
 * of gratuitous ARPs / unsolicited NAs on these interfaces, aggregated across them (one pace for the group),
 * instead of global_defs vrrp_garp_interval / vrrp_gna_interval.
 */
import * as z from 'zod';
import type { GarpGroup } from '../model.js';
import { isValidIfName } from '../vip.js';
import { ifName, listOf, pacing, toMs } from './fields.js';
import { isMap, parseSection, type Reporter } from './report.js';

const garpGroupSchema = z
  .object({
    garp_interval: pacing,
    gna_interval: pacing,
    interface: ifName,
    interfaces: listOf(ifName, 'interface names'),
  })
  .partial();

export function buildGarpGroups(node: unknown, report: Reporter): GarpGroup[] {
  if (node === undefined) return [];
  const entries = Array.isArray(node) ? node : [node];
  const out: GarpGroup[] = [];
  const owner = new Map<string, number>();
  entries.forEach((entry, i) => {
    const at = Array.isArray(node) ? ['garp_group', i] : ['garp_group'];
    if (!isMap(entry)) {
      report.error(at, 'value', 'garp_group must be a map like { garp_interval: 0.01, interface: eth0 }');
      return;
    }
    const { data: g, invalid } = parseSection(
      entry,
      at,
      { schema: garpGroupSchema, where: 'garp_group', unsupported: new Set() },
      report,
    );
    if (invalid.size > 0) return;
    const interfaces = [...new Set([...(g.interface ? [g.interface] : []), ...(g.interfaces ?? [])])];
    if (interfaces.length === 0) {
      report.error(at, 'key', 'garp_group names no interface (interface IF, or interfaces { ... })');
      return;
    }
    for (const name of interfaces) {
      const first = owner.get(name);
      if (first !== undefined) {
        report.error(at, 'value', `interface ${name} is in garp_group ${first + 1} already`);
        return;
      }
      owner.set(name, out.length);
    }
    out.push({
      interfaces,
      garpIntervalMs: g.garp_interval !== undefined ? toMs(g.garp_interval) : undefined,
      gnaIntervalMs: g.gna_interval !== undefined ? toMs(g.gna_interval) : undefined,
    });
  });
  return out;
}

/**
 * `interface_up_down_delays { IF DOWN [UP] ... }`: seconds (µs resolution, at most 255) a link must stay down, or
 * up, before vipd acts on it; UP defaults to DOWN.
 */
export function buildLinkDelays(node: unknown, report: Reporter): Record<string, { downMs: number; upMs: number }> {
  const out: Record<string, { downMs: number; upMs: number }> = {};
  if (node === undefined) return out;
  const lines = Array.isArray(node) ? node : [node];
  lines.forEach((line, i) => {
    const at = Array.isArray(node) ? ['interface_up_down_delays', i] : ['interface_up_down_delays'];
    const [name = '', down, up, ...rest] = String(line).trim().split(/\s+/);
    const secs = (w: string | undefined) =>
      w !== undefined && /^\d+(\.\d+)?$/.test(w) && Number(w) <= 255 ? Number(w) : undefined;
    const downS = secs(down);
    const upS = up === undefined ? downS : secs(up);
    if (!isValidIfName(name) || downS === undefined || upS === undefined || rest.length > 0) {
      report.error(
        at,
        'value',
        `interface_up_down_delays entry "${String(line).trim()}" must be IF DOWN [UP] (seconds, up to 255)`,
      );
      return;
    }
    out[name] = { downMs: toMs(downS), upMs: toMs(upS) };
  });
  return out;
}

/**
 * `track_group NAME { group { VI_1 VI_2 } }`: instances that go to FAULT while a static address naming the group
 * (`track_group NAME`) cannot be put back. Name → instance names (each one that exists).
 */
export function buildTrackGroups(
  root: Record<string, unknown>,
  instances: ReadonlySet<string>,
  report: Reporter,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const node = root.track_group;
  if (node === undefined) return out;
  if (!isMap(node)) {
    report.error(['track_group'], 'value', 'track_group must be a map of names to { group: [VI_1, ...] }');
    return out;
  }
  for (const [name, body] of Object.entries(node)) {
    const at = ['track_group', name];
    const group = isMap(body) ? body.group : undefined;
    const members = (Array.isArray(group) ? group : []).flatMap((l) => String(l).trim().split(/\s+/)).filter(Boolean);
    if (members.length === 0) {
      report.error(at, 'key', `track_group ${name} has no group { VI_1 ... }`);
      continue;
    }
    const unknown = members.find((m) => !instances.has(m));
    if (unknown !== undefined) {
      report.error(at, 'value', `track_group ${name}: there is no vrrp_instance ${unknown}`);
      continue;
    }
    out[name] = members;
  }
  return out;
}
