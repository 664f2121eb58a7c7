/**
 * vipd's nftables tables, each replaced whole in one `nft -f` transaction on every change (a table of a former
 * name removed in it):
 * - `no_accept` (and strict mode's default): packets to the VIPs of a non-owner master are dropped, as keepalived's
 *   nftables rules do, in vipd's own table (`inet vipd`, or keepalived's `nftables NAME`): one set of addresses per
 *   family and an input chain (nftables_priority, nftables_counters) that drops what is addressed to them (IPv6
 *   neighbour discovery excepted, or the VIP could not be resolved);
 * - `nftables_ipvs`: keepalived's marking of virtual_server_group traffic, in its shape (`ip NAME` and `ip6 NAME`,
 *   chain `in`, one interval map per protocol from address and port to mark, one rule per map).
 */

import type { MarkElement } from '../core/ipvs/table.js';
import { lazyBuiltin } from '../core/lazy-builtin.js';
import type { FirewallPort, GroupMarkPort, GroupMarkSettings } from '../core/ports.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** The table the rules are in now (undefined: none installed). */
let installed: string | undefined;

function run(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = childProcess().execFile('nft', ['-f', '-'], { timeout: 5000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`nft: ${stderr.trim() || err.message}`));
      else resolve();
    });
    child.stdin?.end(script);
  });
}

export const nftables: FirewallPort = {
  async dropTo(addresses, settings) {
    const table = `inet ${settings.table}`;
    const counter = settings.counters ? ' counter' : '';
    const v4 = addresses.filter((a) => a.family === 4).map((a) => a.address);
    const v6 = addresses.filter((a) => a.family === 6).map((a) => a.address);
    const elements = (list: string[]) => (list.length > 0 ? ` elements = { ${list.join(', ')} };` : '');
    const former =
      installed !== undefined && installed !== table ? [`table ${installed}`, `delete table ${installed}`] : [];
    await run(
      [
        ...former,
        `table ${table}`,
        `delete table ${table}`,
        `table ${table} {`,
        `  set no_accept4 { type ipv4_addr;${elements(v4)} }`,
        `  set no_accept6 { type ipv6_addr;${elements(v6)} }`,
        '  chain input {',
        `    type filter hook input priority ${settings.priority}; policy accept;`,
        `    ip daddr @no_accept4${counter} drop`,
        `    ip6 daddr @no_accept6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }${counter} accept`,
        `    ip6 daddr @no_accept6${counter} drop`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    installed = table;
  },
  async remove() {
    if (installed === undefined) return;
    await run(`table ${installed}\ndelete table ${installed}\n`);
    installed = undefined;
  },
};

/** The nftables_ipvs tables in the kernel now (`ip NAME`, `ip6 NAME`), and what each should hold. */
let marking = new Map<string, string>();

const MAPS = { TCP: 'tcp_map', UDP: 'udp_map', SCTP: 'sctp_map' } as const;

/** One table of nftables_ipvs, keyed `ip NAME` or `ip6 NAME`, as an `nft -f` block and as its expected shape. */
function markingTables(elements: readonly MarkElement[], settings: GroupMarkSettings): Map<string, MarkingTable> {
  const tables = new Map<string, MarkingTable>();
  for (const family of [4, 6] as const) {
    const mine = elements.filter((e) => e.family === family);
    if (mine.length === 0) continue;
    const ip = family === 4 ? 'ip' : 'ip6';
    const name = `${ip} ${settings.table}`;
    const maps: string[] = [];
    const rules: string[] = [];
    const shape: string[] = [];
    for (const protocol of ['TCP', 'UDP', 'SCTP'] as const) {
      const entries = mine.filter((e) => e.protocol === protocol);
      if (entries.length === 0) continue;
      const map = MAPS[protocol];
      const items = entries.map(
        (e) => `${e.first === e.last ? e.first : `${e.first}-${e.last}`} . ${e.port} : ${e.mark}`,
      );
      const counter = settings.counters ? ' counter;' : '';
      maps.push(
        `  map ${map} { type ${family === 4 ? 'ipv4_addr' : 'ipv6_addr'} . inet_service : mark; flags interval;${counter} elements = { ${items.join(', ')} }; }`,
      );
      const l4 = protocol.toLowerCase();
      // keepalived's rule always counts; its map elements count with nftables_counters.
      rules.push(`    meta l4proto ${l4} meta mark set ${ip} daddr . ${l4} dport map @${map} counter return`);
      shape.push(`${map} ${entries.length}`);
    }
    const text = [
      `table ${name} {`,
      ...maps,
      '  chain in {',
      `    type filter hook input priority ${settings.priority}; policy accept;`,
      ...rules,
      '  }',
      '}',
    ].join('\n');
    tables.set(name, { text, shape: [...shape.sort(), `rules ${rules.length}`].join(', ') });
  }
  return tables;
}

interface MarkingTable {
  text: string;
  /** Its maps with their element counts, and its rule count: what intact() compares the kernel's listing with. */
  shape: string;
}

/** The nft script that replaces the tables `installed` with those of `elements` (exported for tests). */
export function groupMarkScript(
  elements: readonly MarkElement[],
  settings: GroupMarkSettings,
  installed: Iterable<string> = [],
): { script: string; shapes: Map<string, string> } {
  const tables = markingTables(elements, settings);
  const lines: string[] = [];
  for (const name of new Set([...installed, ...tables.keys()])) lines.push(`table ${name}`, `delete table ${name}`);
  for (const t of tables.values()) lines.push(t.text);
  return { script: `${lines.join('\n')}\n`, shapes: new Map([...tables].map(([name, t]) => [name, t.shape])) };
}

/** A table's shape as `nft -j list table` shows it (exported for tests). */
export function listedShape(listing: string): string {
  const items = (JSON.parse(listing) as { nftables?: Record<string, { name?: string; elem?: unknown[] }>[] }).nftables;
  const shape: string[] = [];
  let rules = 0;
  for (const item of items ?? []) {
    if (item.map) shape.push(`${item.map.name} ${item.map.elem?.length ?? 0}`);
    if (item.rule) rules++;
  }
  return [...shape.sort(), `rules ${rules}`].join(', ');
}

function list(table: string): Promise<string> {
  return new Promise((resolve, reject) => {
    childProcess().execFile('nft', ['-j', 'list', 'table', ...table.split(' ')], { timeout: 5000 }, (err, out) =>
      err ? reject(err) : resolve(out),
    );
  });
}

export const nftablesGroupMarks: GroupMarkPort = {
  async mark(elements, settings) {
    const { script, shapes } = groupMarkScript(elements, settings, marking.keys());
    // Recorded first: a half-applied transaction is still removed at the end.
    const all = new Map([...marking, ...shapes]);
    marking = all;
    await run(script);
    marking = shapes;
  },
  async intact() {
    for (const [table, shape] of marking) {
      const listed = await list(table).then(listedShape, () => undefined);
      if (listed !== shape) return false;
    }
    return true;
  },
  async remove() {
    if (marking.size === 0) return;
    await run([...marking.keys()].map((t) => `table ${t}\ndelete table ${t}\n`).join(''));
    marking = new Map();
  },
};
