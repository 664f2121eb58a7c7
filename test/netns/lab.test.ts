import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab } from '../helpers/netns.js';

describe.skipIf(!canRunNetns())('namespace lab', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.destroy());

  it('joins hosts on one bridge and removes every namespace afterwards', () => {
    lab = Lab.create('lab', ['a', 'b']);
    const out = lab.exec('a', 'ping', '-c', '1', '-W', '2', lab.host('b').ipv4);
    expect(out).toContain('1 received');
    const names = [...lab.hosts.values()].map((h) => h.ns);
    lab.destroy();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const n of names) expect(left).not.toContain(n);
  });
});
