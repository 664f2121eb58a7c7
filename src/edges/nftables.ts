/**
 * `no_accept` (and strict mode's default): packets to the VIPs of a non-owner master are dropped, as keepalived's
 * nftables rules do, in vipd's own table `inet vipd`: one set of addresses per family and an input chain that
 * drops what is addressed to them (IPv6 neighbour discovery excepted, or the VIP could not be resolved). Each change
 * replaces the whole table in one `nft -f` transaction.
 */
import { lazyBuiltin } from '../core/lazy-builtin.js';
import type { FirewallPort } from '../core/ports.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

const TABLE = 'inet vipd';

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
  async dropTo(addresses) {
    const v4 = addresses.filter((a) => a.family === 4).map((a) => a.address);
    const v6 = addresses.filter((a) => a.family === 6).map((a) => a.address);
    const elements = (list: string[]) => (list.length > 0 ? ` elements = { ${list.join(', ')} };` : '');
    await run(
      [
        `table ${TABLE}`,
        `delete table ${TABLE}`,
        `table ${TABLE} {`,
        `  set no_accept4 { type ipv4_addr;${elements(v4)} }`,
        `  set no_accept6 { type ipv6_addr;${elements(v6)} }`,
        '  chain input {',
        '    type filter hook input priority filter; policy accept;',
        '    ip daddr @no_accept4 drop',
        '    ip6 daddr @no_accept6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept',
        '    ip6 daddr @no_accept6 drop',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  },
  async remove() {
    await run(`table ${TABLE}\ndelete table ${TABLE}\n`);
  },
};
