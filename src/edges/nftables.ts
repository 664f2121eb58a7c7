/**
 * `no_accept` (and strict mode's default): packets to the VIPs of a non-owner master are dropped, as keepalived's
 * nftables rules do, in vipd's own table (`inet vipd`, or keepalived's `nftables NAME`): one set of addresses per
 * family and an input chain (nftables_priority, nftables_counters) that drops what is addressed to them (IPv6
 * neighbour discovery excepted, or the VIP could not be resolved). Each change replaces the whole table in one
 * `nft -f` transaction, the table of a former name removed in it.
 */
import { lazyBuiltin } from '../core/lazy-builtin.js';
import type { FirewallPort } from '../core/ports.js';

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
