/**
 * The cloud case (issue 20): instances without virtual_ipaddress whose notify_master moves the address through
 * the provider's API, here a script that takes the address off every lab host and puts it on its own (what
 * `aws ec2 assign-private-ip-addresses` does). After a communications break the backup takes the address; when
 * the break heals the proper master hears the lower-priority advert and its notify_master_rx_lower_pri takes the
 * address back. Run with vipd as the proper master and keepalived 2.2.7 as the backup, and the other way round:
 * both end the same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

const ADDRESS = '192.0.2.50';

/** The "cloud API": the address leaves every host of the lab and lands on the caller's eth0. */
function cloudScript(lab: Lab, dir: string): string {
  const script = path.join(dir, 'cloud-move.sh');
  const namespaces = [...lab.hosts.values()].map((h) => h.ns).join(' ');
  writeFileSync(
    script,
    `#!/bin/sh\nfor ns in ${namespaces}; do ip -n "$ns" addr del ${ADDRESS}/24 dev eth0 2>/dev/null; done\n` +
      `ip addr add ${ADDRESS}/24 dev eth0\necho "$1" >> ${path.join(dir, 'cloud.log')}\n`,
    { mode: 0o755 },
  );
  return script;
}

const config = (name: string, priority: number, script: string) => `global_defs {
  router_id ${name}
  script_user root
}
vrrp_instance CLOUD {
  state BACKUP
  interface eth0
  virtual_router_id 60
  priority ${priority}
  advert_int 1
  notify_master "${script} ${name}-master"
  notify_master_rx_lower_pri "${script} ${name}-rx-lower-pri"
  # A master that hears a higher priority sends one last advert: the proper master hears it whatever the order.
  higher_prio_send_advert
}
`;

describe.skipIf(!canRunNetns())('cloud failover: no VIP, notify scripts move the address', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it.each([
    ['vipd', 'keepalived'],
    ['keepalived', 'vipd'],
  ] as const)('%s as the proper master, %s as the backup', async (properKind, backupKind) => {
    lab = Lab.create('cloud', ['r1', 'r2']);
    const make = (kind: 'vipd' | 'keepalived', host: string, opts: { name: string; vrid: number; vips: string[] }) =>
      kind === 'vipd' ? new VipdRouter(lab, host, opts) : new KeepalivedRouter(lab, host, opts);
    const proper = make(properKind, 'r1', { name: 'proper', vrid: 60, vips: [] });
    const backup = make(backupKind, 'r2', { name: 'backup', vrid: 60, vips: [] });
    const script = cloudScript(lab, proper.dir);
    proper.opts.configText = config('proper', 150, script);
    backup.opts.configText = config('backup', 100, script);
    // The script adds the address, then logs: a step is over once both are seen.
    const log = () => {
      try {
        return readFileSync(path.join(proper.dir, 'cloud.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };
    const holder = () => ['r1', 'r2'].filter((h) => lab.addresses(h).includes(ADDRESS)).join(',') || undefined;
    const reached = (host: string, entry: string, what: string) =>
      waitFor(() => (holder() === host && log().includes(entry) ? true : undefined), 15_000, 50, what);

    // The proper master takes the address at start-up (its notify_master), and it stays there. The backup starts
    // once it has: started together, whichever program starts faster (keepalived by some 0.3 s) could run its
    // down timer out first, the other's priority being worth only 0.2 s of it.
    proper.start();
    await reached('r1', 'proper-master', 'the address on r1');
    backup.start();
    await waitFor(() => (backup.state() === 'BACKUP' ? true : undefined), 10_000, 50, 'the backup started');
    expect(log()).toEqual(['proper-master']);

    // A communications break: r2 stops hearing r1, becomes master and its notify_master moves the address.
    lab.exec(lab.switchNs, 'ip', 'link', 'set', lab.host('r1').port, 'nomaster');
    await reached('r2', 'backup-master', 'the address moved to r2');
    expect(log()).toEqual(['proper-master', 'backup-master']);

    // Healed: r1, master all along, hears r2's lower-priority advert and takes the address back.
    lab.exec(lab.switchNs, 'ip', 'link', 'set', lab.host('r1').port, 'master', 'br0');
    await reached('r1', 'proper-rx-lower-pri', 'the address back on r1');
    expect(log().slice(0, 3)).toEqual(['proper-master', 'backup-master', 'proper-rx-lower-pri']);
    // r2 went back to BACKUP on r1's advert; nothing moved the address again.
    await new Promise((r) => setTimeout(r, 2500));
    expect(holder()).toBe('r1');
    expect(log().filter((l) => l !== 'proper-rx-lower-pri')).toEqual(['proper-master', 'backup-master']);
  });
});
