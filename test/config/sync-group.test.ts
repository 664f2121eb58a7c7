/** vrrp_sync_group as keepalived reads it: members, the group's trackers, and the weights keepalived takes off. */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { fmt, memHost } from './keepalived/helpers.js';

const instance = (name: string, vrid: number, extra = '') =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority 100\n virtual_ipaddress {\n  10.0.0.${vrid}/24\n }\n${extra}}\n`;
const SCRIPTS =
  'vrrp_script chk_a {\n script "/bin/true"\n weight -20\n}\nvrrp_script chk_b {\n script "/bin/true"\n}\n';

function load(text: string) {
  return parseKeepalivedToConfig(text, '/k/k.conf', { host: memHost({}) });
}

describe('vrrp_sync_group (keepalived.conf)', () => {
  it("members' weighted trackers lose their weight, with a warning at each line (keepalived vrrp.c)", () => {
    const member =
      ' track_interface {\n  eth1 weight 10\n }\n track_script {\n  chk_a\n  chk_b\n }\n track_file {\n  /run/f\n }\n';
    const r = load(
      `${SCRIPTS}${instance('VI_1', 1, member)}${instance('VI_2', 2)}vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n`,
    );
    expect(r.errors).toEqual([]);
    const vi1 = r.config?.instances[0];
    expect(vi1?.syncGroup).toBe('G');
    expect(vi1?.trackInterfaces.map((t) => [t.interface, t.weight])).toEqual([['eth1', 0]]);
    expect(vi1?.trackScripts.map((t) => t.script)).toEqual(['chk_b']);
    expect(vi1?.trackFiles.map((t) => [t.file, t.weight])).toEqual([['/run/f', 0]]);
    expect(r.warnings.map(fmt)).toEqual([
      '/k/k.conf:16:3: VI_1: the weight of track_interface eth1 is ignored because it is in vrrp_sync_group G (set sync_group_tracking_weight to keep it)',
      '/k/k.conf:19:3: VI_1: track_script chk_a with a weight is ignored because it is in vrrp_sync_group G (set sync_group_tracking_weight to keep it)',
      '/k/k.conf:23:3: VI_1: the weight of track_file /run/f is ignored (give it weight 0) because it is in vrrp_sync_group G (set sync_group_tracking_weight to keep it)',
    ]);
  });

  it("sync_group_tracking_weight keeps them; the group's own trackers go to every member", () => {
    const member = ' track_script {\n  chk_a\n }\n';
    const group =
      ' sync_group_tracking_weight\n track_script {\n  chk_b weight 5\n }\n track_interface {\n  eth2\n }\n';
    const r = load(
      `${SCRIPTS}${instance('VI_1', 1, member)}${instance('VI_2', 2)}vrrp_sync_group G {\n group {\n  VI_1 VI_2\n }\n${group}}\n`,
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const lists = r.config?.instances.map((i) => [
      i.trackScripts.map((t) => `${t.script}:${t.weight}`),
      i.trackInterfaces.map((t) => t.interface),
    ]);
    expect(lists).toEqual([
      [['chk_a:-20', 'chk_b:5'], ['eth2']],
      [['chk_b:5'], ['eth2']],
    ]);
    expect(r.config?.syncGroups[0]?.trackingWeight).toBe(true);
  });

  it('a group of one is accepted with a warning; notify scripts keep their arguments', () => {
    const r = load(`${instance('VI_1', 1)}vrrp_sync_group G {\n group {\n  VI_1\n }\n notify_master "/bin/m a b"\n}\n`);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(fmt)).toEqual([
      '/k/k.conf:10:2: vrrp_sync_group G has only one vrrp_instance: this probably is not what you want',
    ]);
    expect(r.config?.syncGroups[0]?.notify.master).toEqual(['/bin/m', 'a', 'b']);
  });
});
