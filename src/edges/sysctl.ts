/** Kernel parameters through /proc/sys (what `sysctl -w` does), for the VMAC interfaces' ARP and filter settings. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { SysctlPort } from '../core/ports.js';

const path = (key: string) => `/proc/sys/${key}`;

export const procSysctl: SysctlPort = {
  read(key) {
    try {
      return readFileSync(path(key), 'utf8').trim();
    } catch {
      return undefined;
    }
  },
  write(key, value) {
    writeFileSync(path(key), `${value}\n`);
  },
};
