/** vrrp_track_process matching, row by row (keepalived.conf(5)). */
import { describe, expect, it } from 'vitest';
import { matchesProcess, type ProcessMatch, withinQuorum } from '../../src/core/tracking/process.js';

const p = (comm: string, ...argv: string[]) => ({ pid: 1, comm, argv });
const m = (process: string, o: Partial<ProcessMatch> = {}): ProcessMatch => ({
  process,
  params: undefined,
  paramMatch: 'exact',
  fullCommand: false,
  ...o,
});

describe('matchesProcess', () => {
  it.each([
    ['the name, exactly (pgrep "^haproxy$")', m('haproxy'), p('haproxy', '/usr/sbin/haproxy', '-f', 'x'), true],
    ['not a longer name', m('ssh'), p('sshd', '/usr/sbin/sshd'), false],
    ['the name cut at 15 characters as comm is', m('a-very-long-process-name'), p('a-very-long-pro'), true],
    [
      'with parameters: argv, exactly',
      m('/usr/sbin/haproxy', { params: ['-f', 'x'] }),
      p('haproxy', '/usr/sbin/haproxy', '-f', 'x'),
      true,
    ],
    [
      'with parameters: one more is no match',
      m('/usr/sbin/haproxy', { params: ['-f'] }),
      p('haproxy', '/usr/sbin/haproxy', '-f', 'x'),
      false,
    ],
    [
      'partial: the first ones',
      m('/usr/sbin/haproxy', { params: ['-f'], paramMatch: 'partial' }),
      p('h', '/usr/sbin/haproxy', '-f', 'x'),
      true,
    ],
    [
      'initial: the last as a prefix',
      m('/bin/app', { params: ['--conf=/etc/a'], paramMatch: 'initial' }),
      p('app', '/bin/app', '--conf=/etc/a.yml'),
      true,
    ],
    ['param_match with no parameters: none allowed', m('/bin/app', { params: [] }), p('app', '/bin/app', '-v'), false],
    ['full_command: argv[0] and nothing else', m('/bin/app', { fullCommand: true }), p('app', '/bin/app'), true],
    ['a zombie or kernel thread has no argv', m('/bin/app', { fullCommand: true }), p('app'), false],
  ])('%s', (_what, match, proc, want) => {
    expect(matchesProcess(match, proc)).toBe(want);
  });

  it('quorum and quorum_max bound the count', () => {
    expect([0, 1, 2, 3].map((n) => withinQuorum(n, 1, 2))).toEqual([false, true, true, false]);
    expect(withinQuorum(0, 0, 0)).toBe(true);
  });
});
