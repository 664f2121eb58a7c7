/**
 * `nftables_ipvs` on a real IPVS (user-mode Linux, one boot). The lab's kernel has nf_tables without its ip and ip6
 * families, so neither keepalived nor vipd can put the marks there (test/integration/group-marks.test.ts puts and
 * uses them on this machine's kernel, which has no IPVS); what is compared here is the IPVS side:
 * - keepalived 2.2.7 is the oracle: on the same file, the same table (one fwmark service per group and protocol,
 *   marks from nftables_ipvs_start_fwmark in the order of the virtual servers, a group with a fwmark entry as it is);
 *   both carry on when the marks are refused;
 * - a reload changes a group's ranges under the same mark and gives a new group the next one; stop removes it all.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunUmlLab, labShell, UmlLab } from '../helpers/uml-lab.js';

const TCP = 'TCP_CHECK {\n      connect_timeout 1\n      retry 0\n      warmup 0\n    }';
/** Two groups (one served for TCP and UDP), a third with a fwmark entry (served as it is, without a mark). */
const config = (webRanges: string) => `global_defs {
  nftables_ipvs
  nftables_ipvs_priority -3
  nftables_ipvs_start_fwmark 2000
  nftables_counters
}
virtual_server_group WEB {
${webRanges}
}
virtual_server_group DNS {
  10.0.0.53 53
}
virtual_server_group OLD {
  10.0.0.120 80
  fwmark 7
}
virtual_server group WEB {
  delay_loop 1
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 10.0.0.11 80 {
    ${TCP}
  }
  real_server 10.0.0.12 80 {
    ${TCP}
  }
}
virtual_server group DNS {
  protocol UDP
  lb_algo rr
  lb_kind DR
  real_server 10.0.0.11 53 {
  }
}
virtual_server group WEB {
  protocol UDP
  lb_algo rr
  lb_kind NAT
  real_server 10.0.0.12 8080 {
  }
}
virtual_server group OLD {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 10.0.0.12 80 {
  }
}
`;
const WEB = '  10.0.0.100-101 80\n  10.0.0.110 443';

describe.skipIf(!canRunUmlLab())('nftables_ipvs, vipd and keepalived 2.2.7 alike (user-mode Linux)', () => {
  let lab: UmlLab;
  const { sh, waitFor } = labShell(() => lab);
  /** The director's nftables, counters left out, lines sorted (the shape, whatever order they are listed in). */
  const ruleset = async (host: string) =>
    (await sh(`ns ${host} nft list ruleset | sed -E 's/ counter packets [0-9]+ bytes [0-9]+/ counter/' | sort`))
      .split('\n')
      .filter((l) => l.trim() !== '');

  beforeAll(async () => {
    lab = await UmlLab.boot();
    await sh('lab_topology; for n in rs1 rs2; do httpd_start $n; done');
    await waitFor('ns dir1 curl -sf -m 1 http://10.0.0.11/ http://10.0.0.12/', 10_000);
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('the same IPVS table as keepalived on the same file; both serve when the marks are refused', async () => {
    writeFileSync(lab.file('marks.conf'), config(WEB));
    await sh('ka_start $W/marks.conf dir1; vipd_start $W/marks.conf dir2');
    let keepalived: { table: string; nft: string[] };
    let vipd: { table: string; nft: string[] };
    try {
      const table = await sh('stable_table dir1 2000');
      writeFileSync(lab.file('keepalived.table'), table);
      keepalived = { table, nft: await ruleset('dir1') };
      vipd = { table: await sh('table_reaches dir2 $W/keepalived.table 20; stable_table dir2 2000'), nft: [] };
      vipd.nft = await ruleset('dir2');
    } finally {
      await sh('ka_stop dir1 & vipd_stop dir2; wait');
    }
    // keepalived's own shape, so that a keepalived that did nothing cannot make the two agree.
    expect(keepalived.table).toContain('-A -f 2000 -s rr');
    expect(keepalived.table).toContain('-A -f 2001 -s rr');
    expect(keepalived.table).toContain('-A -f 2002 -s rr');
    expect(keepalived.table).toContain('-A -t 10.0.0.120:80 -s rr');
    expect(keepalived.table).toContain('-A -f 7 -s rr');
    expect(vipd.table).toEqual(keepalived.table);
    // Neither could mark (see above); each said so and still serves.
    expect(await sh('grep -c "nftables_ipvs marks" $W/vipd-dir2.log')).toMatch(/^[1-9]/);
    expect(keepalived.nft).toEqual([]);
    expect(vipd.nft).toEqual([]);
    // Stopped, each removes its services.
    expect(await sh('table dir1; table dir2')).toBe('');
  }, 120_000);

  it('a reload changes the ranges under the same mark, a new group gets the next mark; stop removes it all', async () => {
    writeFileSync(lab.file('director.conf'), config(WEB));
    await sh('vipd_start $W/director.conf');
    try {
      await waitFor('table_is --has "-A -f 2002"', 20_000);
      const before = await sh('stable_table dir1 1000');
      const more = `${config('  10.0.0.100 80\n  10.0.0.105-106 80')}virtual_server_group NEW {\n  10.0.0.130 80\n}\nvirtual_server group NEW {\n  protocol TCP\n  real_server 10.0.0.11 80 {\n  }\n}\n`;
      writeFileSync(lab.file('director.conf'), more);
      await sh('kill -HUP "$(cat /run/vipd-main-dir1.pid)"');
      await waitFor('table_is --has "-A -f 2003"', 10_000);
      const after = await sh('stable_table dir1 1000');
      // The groups' services and their real servers unchanged; the new group's service beside them.
      expect(after.split('\n').filter((l) => !l.includes('-f 2003'))).toEqual(before.split('\n'));
      expect(after).toContain('-a -f 2003 -r 10.0.0.11:80 -m -w 1');
    } finally {
      await sh('vipd_stop');
    }
    expect(await sh('table')).toBe('');
  }, 60_000);
});
