/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: keepalived.conf's own ${NAME} syntax, not JS templates */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedConfig } from '../../../src/core/config/keepalived/index.js';
import { fmt, memHost } from './helpers.js';

const parse = (text: string, files: Record<string, string> = {}, configId = 'high', env = {}) =>
  parseKeepalivedConfig(text, '/etc/k/main.conf', { host: memHost(files), configId, env });

const inst = (body: string) => `vrrp_instance VI_1 {\n${body}\n}\n`;

describe('keepalived reader: comments, quoting, braces', () => {
  it('drops # and ! comments but not inside quotes', () => {
    const r = parse(`! header\nglobal_defs { # c\n  router_id "a#b!c" ! trailing\n}\n`);
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({ global_defs: { router_id: 'a#b!c' } });
  });

  it('decodes C escapes in double quotes and joins adjacent quoted parts', () => {
    const r = parse(`global_defs {\n router_id "a\\tb\\x41\\101\\"q\\\\"\n script_user ab" c d "e\n}\n`);
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({ global_defs: { router_id: 'a\tbAA"q\\', script_user: 'ab c d e' } });
  });

  it('Unicode spaces around a line are trimmed, inside it they are no separator (keepalived splits at ASCII ones)', () => {
    const r = parse('global_defs {\n router_id r1\n\u00a0script_user\u00a0nobody\u2003\n\t \n}\n');
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({ global_defs: { router_id: 'r1', 'script_user\u00a0nobody': true } });
  });

  it('accepts every { placement', () => {
    const r = parse(
      'vrrp_instance A\n{\n  virtual_ipaddress { 10.0.0.1 }\n  unicast_peer\n  {\n    10.0.0.2\n  }\n}\nvrrp_instance B { priority 5 } vrrp_instance C {\n}\n',
    );
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({
      vrrp_instance: { A: { virtual_ipaddress: ['10.0.0.1'], unicast_peer: ['10.0.0.2'] }, B: { priority: 5 }, C: {} },
    });
  });

  it('maps flags, numbers, text, multi-word values and commands', () => {
    const r = parse(
      inst(
        'nopreempt\nuse_vmac vrrp51\naccept\npriority 100\nadvert_int 0.5\nauth_pass 1111\nstate BACKUP\n' +
          'notify_master "/bin/x.sh \'a b\' \\"c\\""\nnotify /bin/y.sh\nlower_prio_no_advert true\ngarp_extra_if all 5',
      ),
    );
    expect(r.errors).toEqual([]);
    expect(r.tree.vrrp_instance).toEqual({
      VI_1: {
        nopreempt: true,
        use_vmac: 'vrrp51',
        accept: true,
        priority: 100,
        advert_int: 0.5,
        auth_pass: '1111',
        state: 'BACKUP',
        notify_master: '/bin/x.sh \'a b\' \\"c\\"',
        notify: '/bin/y.sh',
        lower_prio_no_advert: 'true',
        garp_extra_if: 'all 5',
      },
    });
  });

  it('locates keys and values, with the file', () => {
    const r = parse(inst('  priority 100\n  virtual_ipaddress {\n    10.0.0.1/24 dev eth0\n  }'));
    expect(r.locate(['vrrp_instance', 'VI_1'], 'key')).toEqual({ file: '/etc/k/main.conf', line: 1, col: 15 });
    expect(r.locate(['vrrp_instance', 'VI_1', 'priority'], 'key')).toMatchObject({ line: 2, col: 3 });
    expect(r.locate(['vrrp_instance', 'VI_1', 'priority'], 'value')).toMatchObject({ line: 2, col: 12 });
    expect(r.locate(['vrrp_instance', 'VI_1', 'virtual_ipaddress', 0], 'value')).toMatchObject({ line: 4, col: 5 });
    expect(r.locate(['vrrp_instance', 'VI_1', 'nothing_here'], 'key')).toMatchObject({ line: 1, col: 15 });
  });
});

describe('keepalived reader: include', () => {
  it('includes relative paths, globs and braces from the including file', () => {
    const files = {
      '/etc/k/conf.d/a.conf': 'vrrp_instance A {\n  include ../vip/a.vips\n}\n',
      '/etc/k/conf.d/b.conf': 'vrrp_instance B { priority 7 }\n',
      '/etc/k/conf.d/skip.txt': 'garbage {',
      '/etc/k/vip/a.vips': 'virtual_ipaddress {\n 10.0.0.1\n}\n',
      '/etc/k/x1.conf': 'global_defs { router_id x1 }\n',
      '/etc/k/y.conf': 'global_defs { vrrp_version 3 }\n',
    };
    const r = parse('include conf.d/*.conf\ninclude {x?,y}.conf\n', files);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.tree).toEqual({
      vrrp_instance: { A: { virtual_ipaddress: ['10.0.0.1'] }, B: { priority: 7 } },
      global_defs: { router_id: 'x1', vrrp_version: 3 },
    });
    expect(r.locate(['vrrp_instance', 'A', 'virtual_ipaddress', 0], 'value')).toEqual({
      file: '/etc/k/vip/a.vips',
      line: 2,
      col: 2,
    });
  });

  it('warns about a missing include and an empty glob, as keepalived does', () => {
    const r = parse('include nope.conf\ninclude /none/*.conf\nglobal_defs { router_id a }\n');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(fmt)).toEqual([
      '/etc/k/main.conf:1:1: include /etc/k/nope.conf: cannot read the file (skipped, as keepalived does)',
      '/etc/k/main.conf:2:1: include /none/*.conf: no file matches (skipped, as keepalived does)',
    ]);
  });

  it('include_check and the include variants make a missing file an error', () => {
    const r = parse(
      'includer nope.conf\nincludew /none/*.conf\ninclude /none/*.conf\ninclude_check\ninclude nope2.conf\n',
    );
    expect(r.errors.map(fmt)).toEqual([
      '/etc/k/main.conf:1:1: includer /etc/k/nope.conf: cannot read the file (include_check)',
      '/etc/k/main.conf:2:1: includew /none/*.conf: no file matches (include_check)',
      '/etc/k/main.conf:5:1: include /etc/k/nope2.conf: cannot read the file (include_check)',
    ]);
    expect(r.warnings.map(fmt)).toEqual([
      '/etc/k/main.conf:3:1: include /none/*.conf: no file matches (skipped, as keepalived does)',
    ]);
    // The level is restored when the file that set it ends.
    const nested = parse('include a.conf\ninclude nope.conf\n', { '/etc/k/a.conf': 'include_check readable\n' });
    expect(nested.errors).toEqual([]);
  });

  it('detects include loops', () => {
    const files = { '/etc/k/a.conf': 'include b.conf\n', '/etc/k/b.conf': '\n  include ./a.conf\n' };
    const r = parse('include a.conf\n', files);
    expect(r.errors.map(fmt)).toEqual([
      '/etc/k/b.conf:2:3: include loop: /etc/k/a.conf -> /etc/k/b.conf -> /etc/k/a.conf',
    ]);
    const self = parseKeepalivedConfig('include main.conf\n', '/etc/k/main.conf', {
      host: memHost({ '/etc/k/main.conf': 'include main.conf\n' }),
    });
    expect(self.errors.map(fmt)).toEqual(['/etc/k/main.conf:1:1: include loop: /etc/k/main.conf -> /etc/k/main.conf']);
  });
});

describe('keepalived reader: definitions, conditionals, sequences', () => {
  it('substitutes $NAME and ${NAME}, recursively and at use time', () => {
    const r = parse(
      '$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n$IF=eth0\n' +
        inst(
          ' interface $IF\n virtual_ipaddress {\n  ${ADDRESS_BASE}.100/32\n  $ADDRESS_BASE_SUB=10\n  ${ADDRESS_BASE}.100/32\n }',
        ),
    );
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({
      vrrp_instance: { VI_1: { interface: 'eth0', virtual_ipaddress: ['10.2.0.100/32', '10.2.10.100/32'] } },
    });
    // Substituted text takes the position of its reference.
    expect(r.locate(['vrrp_instance', 'VI_1', 'interface'], 'value')).toMatchObject({ line: 5, col: 12 });
  });

  it('expands multi-line and nested definitions with conditionals inside', () => {
    const text = [
      '$INSTANCE= \\',
      'vrrp_instance VI_${NUM} { \\',
      '  interface eth0.${NUM} \\',
      '  @high priority 130 \\',
      '  @low priority 120 \\',
      '  virtual_ipaddress { \\',
      '    10.0.${NUM}.254/24 \\',
      '  } \\',
      '}',
      '$NUM=0',
      '$INSTANCE',
      '$NUM=1',
      '$INSTANCE',
    ].join('\n');
    const r = parse(text, {}, 'low');
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({
      vrrp_instance: {
        VI_0: { interface: 'eth0.0', priority: 120, virtual_ipaddress: ['10.0.0.254/24'] },
        VI_1: { interface: 'eth0.1', priority: 120, virtual_ipaddress: ['10.0.1.254/24'] },
      },
    });
    // Lines of a multi-line definition keep the place where they were written.
    expect(r.locate(['vrrp_instance', 'VI_1', 'priority'], 'key')).toMatchObject({ line: 5, col: 8 });
  });

  it('keeps @id lines for the config id and @^id lines for the others', () => {
    const text =
      'global_defs {\n@high router_id H\n@low router_id L\n}\n' +
      inst(' unicast_peer {\n  @^high 1.1.1.1\n  @^low 2.2.2.2\n }');
    expect(parse(text, {}, 'high').tree).toEqual({
      global_defs: { router_id: 'H' },
      vrrp_instance: { VI_1: { unicast_peer: ['2.2.2.2'] } },
    });
    expect(parse(text, {}, 'other').tree).toEqual({
      global_defs: {},
      vrrp_instance: { VI_1: { unicast_peer: ['1.1.1.1', '2.2.2.2'] } },
    });
  });

  it('conditional definitions and a definition that holds a condition', () => {
    const r = parse('@high $PRIO=240\n@low $PRIO=200\n$IF_LOW=@low\n' + inst(' priority $PRIO\n $IF_LOW nopreempt'));
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({ vrrp_instance: { VI_1: { priority: 240 } } });
  });

  it('predefined _PWD, _INSTANCE, _ENV, _HASH, _BANG', () => {
    const r = parse(
      inst(' notify "${_PWD}/n.sh ${_INSTANCE}"\n interface ${_ENV IFACE}\n notify_master "/x ${_HASH}${_BANG}"'),
      {},
      'high',
      { IFACE: 'eth9' },
    );
    expect(r.errors).toEqual([]);
    expect(r.tree).toEqual({
      vrrp_instance: { VI_1: { notify: '/etc/k/n.sh high', interface: 'eth9', notify_master: '/x #!' } },
    });
  });

  it('~SEQ and ~SEQx repeat a line, nested, with default start and step', () => {
    const r = parse(
      inst(
        ' virtual_ipaddress {\n  ~SEQ(A, 0, 2) 10.0.${A}.1\n  ~SEQ(B,1,2,5) 10.1.${B}.1\n  ~SEQx(H, 0x90, 0x10, 0xb0) ~SEQ(L, 2) fe80::${H}:$L\n  ~SEQ(D, 3, 1) 10.3.${D}.1\n }',
      ),
    );
    expect(r.errors).toEqual([]);
    expect((r.tree.vrrp_instance as Record<string, Record<string, unknown>>).VI_1?.virtual_ipaddress).toEqual([
      '10.0.0.1',
      '10.0.1.1',
      '10.0.2.1',
      '10.1.1.1',
      '10.1.3.1',
      '10.1.5.1',
      'fe80::90:1',
      'fe80::90:2',
      'fe80::a0:1',
      'fe80::a0:2',
      'fe80::b0:1',
      'fe80::b0:2',
      '10.3.3.1',
      '10.3.2.1',
      '10.3.1.1',
    ]);
  });

  it("~LST: one variable, tuples, nested and with ~SEQ (keepalived.conf(5)'s examples)", () => {
    const r = parse(
      inst(
        ' virtual_ipaddress {\n  ~LST({IP, IP1}, {10,1},{20,4}) 192.168.${IP}.${IP1}\n  ~LST(IP, 1, 2) ~LST(IP1, 5,6) 192.169.${IP}.${IP1}\n  ~LST(X, 7) ~SEQ(Y, 168, 2, 170) 192.${Y}.${X}.1\n }',
      ),
    );
    expect(r.errors).toEqual([]);
    expect((r.tree.vrrp_instance as Record<string, Record<string, unknown>>).VI_1?.virtual_ipaddress).toEqual([
      '192.168.10.1',
      '192.168.20.4',
      '192.169.1.5',
      '192.169.1.6',
      '192.169.2.5',
      '192.169.2.6',
      '192.168.7.1',
      '192.170.7.1',
    ]);
  });

  it('${_RANDOM [MIN [MAX]]} from the random source given', () => {
    const r = parseKeepalivedConfig('global_defs {\n router_id r${_RANDOM}-${_RANDOM 10 20}\n}\n', '/k.conf', {
      host: memHost({}),
      random: () => 0.5,
    });
    expect(r.errors).toEqual([]);
    expect((r.tree.global_defs as Record<string, unknown>).router_id).toBe('r16384-15');
  });

  it('random_seed: the ${_RANDOM}s after it are the same at every load (and differ with another seed)', () => {
    const id = (seed: number) => {
      const text = `global_defs {\n random_seed ${seed}\n router_id r\${_RANDOM}-\${_RANDOM 10 20}\n}\n`;
      const r = parseKeepalivedConfig(text, '/k.conf', { host: memHost({}), random: Math.random });
      expect(r.errors).toEqual([]);
      return (r.tree.global_defs as Record<string, unknown>).router_id;
    };
    expect(id(7)).toBe(id(7));
    expect(id(7)).not.toBe(id(8));
  });

  it('an undefined $NAME inside quotes stays as written, with a warning', () => {
    const r = parse(inst(' notify_master "/bin/sh -c \'echo $HOME\'"'));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(fmt)).toEqual([
      '/etc/k/main.conf:2:34: $HOME is not defined; kept as written (as keepalived 2.2.7 does)',
    ]);
    expect(r.tree).toEqual({ vrrp_instance: { VI_1: { notify_master: "/bin/sh -c 'echo $HOME'" } } });
  });
});
