/**
 * The load-balancing half of the demo: a director in a user-mode Linux lab (this kernel has no IPVS), vipd holding
 * the VIP with VRRP and balancing it with IPVS over two real HTTP servers; one real server stops and its checker
 * takes it out of the table; `vipd status` shows it all. Skipped, with the reason, where the lab cannot start.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canRunUmlLab, UmlLab } from '../test/helpers/uml-lab.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIB = path.join(REPO, 'test/helpers/uml/lab-lib.sh');

const DIRECTOR = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  version 3
  advert_int 0.1
  priority 200
  virtual_ipaddress {
    10.0.0.100/24
  }
}
virtual_server 10.0.0.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.0.0.11 80 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 10.0.0.12 80 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`;

async function main(): Promise<void> {
  console.log('\n== Load balancing: a director on IPVS (user-mode Linux lab; this kernel has no IPVS) ==');
  if (!canRunUmlLab()) return;
  const t0 = Date.now();
  const lab = await UmlLab.boot();
  const sh = (s: string) => lab.sh(`W=${lab.work} REPO=${REPO}; source ${LIB}\n${s}`);
  const indent = (s: string) => s.trimEnd().replace(/^/gm, '  ');
  try {
    console.log(`lab up in ${Date.now() - t0} ms: client 10.0.0.2, director 10.0.0.1, real servers 10.0.0.11 and .12`);
    await sh('lab_topology; httpd_start rs1; httpd_start rs2; rs_nat');
    writeFileSync(lab.file('director.conf'), DIRECTOR);
    await sh('vipd_start $W/director.conf');
    await lab.waitFor(
      `W=${lab.work}; source ${LIB}; ip -n ivl-dir1 addr show eth0 | grep -q 10.0.0.100 && table_is --has 10.0.0.12`,
      30_000,
    );
    console.log('\nvipd holds the VIP (VRRP) and programmed IPVS (ipvsadm -Ln on the director):');
    console.log(indent(await sh('ns dir1 ipvsadm -Ln')));
    console.log(
      `\n4 requests from the client to http://10.0.0.100/: ${(await sh('requests http://$VIP/ 4')).trim().split('\n').join(' ')}`,
    );
    await sh('httpd_stop rs2');
    const ms = await lab.waitFor(`W=${lab.work}; source ${LIB}; table_is --has 10.0.0.11 --not 10.0.0.12`, 10_000, 50);
    console.log(`\nrs2's web server stopped: its TCP_CHECK took it out of the table ${ms} ms later`);
    console.log(`4 more requests: ${(await sh('requests http://$VIP/ 4')).trim().split('\n').join(' ')}`);
    console.log('\nvipd status on the director:');
    console.log(indent(await sh('ns dir1 node $REPO/dist/vipd.js status --control-socket /run/vipd-dir1.sock')));
    await sh('vipd_stop');
    console.log(`\nvipd stopped; IPVS left as it found it: "${(await sh('table')).trim()}"`);
  } finally {
    await lab.stop();
    console.log('lab powered off');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
