/**
 * The open-file limit for thousands of checkers, as keepalived sizes its checker process: one descriptor per socket
 * checker above vipd's own, and the addon's setrlimit that raises, never lowers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { fileLimitFor } from '../../src/core/process/file-limit.js';
import { native } from '../../src/edges/native.js';
import { memHost } from '../config/keepalived/helpers.js';

function openFiles(): { soft: number; hard: number } {
  const m = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return { soft: Number(m?.[1]), hard: Number(m?.[2]) };
}

describe('open-file limit', () => {
  it('one descriptor per socket checker (virtual servers and vrrp_check), none for MISC_CHECK and FILE_CHECK', () => {
    const rs = (port: number, check: string) => `  real_server 10.0.0.1 ${port} {\n    ${check}\n  }\n`;
    const text = `vrrp_track_file f {\n  file /tmp/f\n}\nvrrp_check web {\n  HTTP_GET {\n    url {\n      path /\n    }\n  }\n}\nvirtual_server 192.0.2.1 80 {\n  protocol TCP\n${rs(1, 'TCP_CHECK {\n    }')}${rs(2, 'MISC_CHECK {\n      misc_path /bin/true\n    }')}${rs(3, 'HTTP_GET {\n      url {\n        path /\n      }\n    }\n    TCP_CHECK {\n    }')}${rs(4, 'FILE_CHECK {\n      track_file f\n    }')}}\n`;
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({ '/k.conf': text }) });
    expect(r.errors).toEqual([]);
    if (!r.config) throw new Error('no config');
    // vrrp_check web, TCP_CHECK of :1, HTTP_GET and TCP_CHECK of :3.
    expect(fileLimitFor(r.config)).toBe(256 + 4);
  });

  it('raiseFileLimit raises the soft limit to what is asked, never lowers it, and says why when refused', () => {
    const before = openFiles();
    native.raiseFileLimit(1); // below: nothing changes
    expect(openFiles()).toEqual(before);
    // Above the hard limit: raised (CAP_SYS_RESOURCE) or refused with EPERM, never half done.
    try {
      native.raiseFileLimit(before.hard + 1);
      expect(openFiles()).toEqual({ soft: before.hard + 1, hard: before.hard + 1 });
    } catch (err) {
      expect((err as { code?: string }).code).toBe('EPERM');
      expect(openFiles()).toEqual(before);
    }
  });
});
