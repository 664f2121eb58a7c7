import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsHost } from '../../src/edges/config-host.js';

const root = mkdtempSync(join(tmpdir(), 'vipd-kfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('config-host (the real file system)', () => {
  it('reads files and globs one directory level per segment, with braces, sorted', () => {
    mkdirSync(join(root, 'conf.d/sub'), { recursive: true });
    for (const f of [
      'conf.d/b.conf',
      'conf.d/a.conf',
      'conf.d/.hidden.conf',
      'conf.d/x.txt',
      'conf.d/sub/c.conf',
      'top1.conf',
      'top2.conf',
    ])
      writeFileSync(join(root, f), f);
    const host = createFsHost();
    expect(host.readFile(join(root, 'top1.conf'))).toBe('top1.conf');
    expect(host.readFile(join(root, 'missing'))).toBeUndefined();
    expect(host.glob('conf.d/*.conf', root)).toEqual([`${root}/conf.d/a.conf`, `${root}/conf.d/b.conf`]);
    expect(host.glob('*/*/?.conf', root)).toEqual([`${root}/conf.d/sub/c.conf`]);
    expect(host.glob(`${root}/{top[12],conf.d/[!a]}*.conf`, '/')).toEqual([
      `${root}/conf.d/b.conf`,
      `${root}/top1.conf`,
      `${root}/top2.conf`,
    ]);
    expect(host.glob('nothing/*.conf', root)).toEqual([]);
  });
});
