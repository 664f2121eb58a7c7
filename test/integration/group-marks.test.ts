/**
 * nftables_ipvs's marking edge on the real kernel (IPVS itself is in the user-mode Linux lab's test): in a
 * namespace of its own, the edge puts keepalived's tables there (`ip` and `ip6`, chain `in`, one interval map per
 * protocol), the kernel marks a packet to a range with the range's mark, intact() sees an element deleted by hand,
 * a new table name replaces the old table in one step, and remove() leaves nothing.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab } from '../helpers/netns.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Run in the director's namespace: one process, so the edge remembers what it put there. */
const STEPS = `
import { execFileSync } from 'node:child_process';
import { nftablesGroupMarks as edge } from '${REPO}/dist/edges/nftables.js';
const sh = (...a) => { try { return execFileSync(a[0], a.slice(1), { encoding: 'utf8' }); } catch { return undefined; } };
const step = (name, value) => console.log(JSON.stringify({ name, value }));
const elements = [
  { family: 4, protocol: 'TCP', first: '192.0.2.100', last: '192.0.2.103', port: 80, mark: 1000 },
  { family: 4, protocol: 'UDP', first: '192.0.2.100', last: '192.0.2.100', port: 53, mark: 1001 },
  { family: 6, protocol: 'TCP', first: '2001:db8::100', last: '2001:db8::100', port: 80, mark: 1000 },
];
await edge.mark(elements, { table: 'keepalived_ipvs', priority: -1, counters: true });
step('ruleset', sh('nft', 'list', 'ruleset'));
step('intact', await edge.intact());
// The client sends one TCP SYN to 192.0.2.102:80 (marked) and one to 192.0.2.102:81 (not marked).
await new Promise((r) => process.stdin.once('data', r));
step('counted', sh('nft', 'list', 'map', 'ip', 'keepalived_ipvs', 'tcp_map'));
sh('nft', 'delete', 'element', 'ip', 'keepalived_ipvs', 'udp_map', '{ 192.0.2.100 . 53 }');
step('intact after a hand edit', await edge.intact());
await edge.mark(elements.slice(0, 1), { table: 'renamed', priority: -5, counters: false });
step('renamed', sh('nft', 'list', 'ruleset'));
step('intact renamed', await edge.intact());
await edge.remove();
step('removed', sh('nft', 'list', 'ruleset'));
`;

describe.skipIf(!canRunNetns())('nftables_ipvs marking on the real kernel', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it("keepalived's tables and rule; a packet to a range gets its mark; hand edits seen; rename and removal whole", async () => {
    lab = Lab.create('marks', ['d', 'c']);
    const d = lab.host('d');
    lab.exec(d.ns, 'ip', 'addr', 'add', '192.0.2.102/32', 'dev', 'lo');
    const child = lab.spawn(d.ns, process.execPath, ['--input-type=module', '-e', STEPS], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const out: Record<string, unknown> = {};
    let buffered = '';
    const seen = (name: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${name} within 10 s`)), 10_000);
        const check = () => {
          if (name in out) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 20);
        };
        check();
      });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const { name, value } = JSON.parse(line) as { name: string; value: unknown };
        out[name] = value;
      }
    });
    await seen('intact');
    const ruleset = out.ruleset as string;
    expect(ruleset).toMatch(/table ip keepalived_ipvs \{/);
    expect(ruleset).toMatch(/table ip6 keepalived_ipvs \{/);
    expect(ruleset).toMatch(/chain in \{\s+type filter hook input priority filter - 1; policy accept;/);
    expect(ruleset).toMatch(/meta mark set ip daddr \. tcp dport map @tcp_map counter packets 0 bytes 0 return/);
    expect(ruleset).toMatch(/meta mark set ip daddr \. udp dport map @udp_map counter packets 0 bytes 0 return/);
    expect(ruleset).toMatch(/meta mark set ip6 daddr \. tcp dport map @tcp_map counter packets 0 bytes 0 return/);
    expect(ruleset).toMatch(/192\.0\.2\.100(-192\.0\.2\.103|\/30) \. 80 counter packets 0 bytes 0 : 0x000003e8/);
    expect(out.intact).toBe(true);

    // One SYN to a marked address and port, one to a port outside the map: only the first is counted.
    const c = lab.host('c');
    lab.exec(c.ns, 'ip', 'route', 'add', '192.0.2.102/32', 'via', d.ipv4);
    for (const port of [80, 81]) {
      lab.tryExec(c.ns, 'bash', '-c', `exec 3<>/dev/tcp/192.0.2.102/${port}`);
    }
    child.stdin?.write('go\n');
    await seen('removed');
    expect(out.counted).toMatch(
      /192\.0\.2\.100(-192\.0\.2\.103|\/30) \. 80 counter packets [1-9]\d* bytes \d+ : 0x000003e8/,
    );
    expect(out['intact after a hand edit']).toBe(false);
    const renamed = out.renamed as string;
    expect(renamed).not.toContain('keepalived_ipvs');
    expect(renamed).toMatch(/table ip renamed \{[\s\S]*priority filter - 5;/);
    expect(renamed).not.toMatch(/table ip6/);
    expect(renamed).not.toContain('counter packets 0 bytes 0 :');
    expect(out['intact renamed']).toBe(true);
    expect(out.removed).toBe('');
  }, 30_000);
});
