/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: keepalived.conf's own ${NAME} syntax, not JS templates */
import { describe, expect, it } from 'vitest';
import { parseKeepalivedConfig } from '../../../src/core/config/keepalived/index.js';
import { fmt, memHost } from './helpers.js';

const F = '/k/bad.conf';

/** [what, config text, every expected issue as file:line:col: message]; errors unless marked as warnings. */
const CASES: [string, string, string[]][] = [
  ['unclosed block', 'vrrp_instance A {\n priority 1\n', ['1:17: unbalanced braces: this { is never closed']],
  ['stray }', 'global_defs {\n}\n}\n', ['3:1: unbalanced braces: this } closes no block']],
  [
    'stray } after a one-line block',
    'vrrp_instance A { priority 1 } }\n',
    ['1:32: unbalanced braces: this } closes no block'],
  ],
  [
    'nested unclosed',
    'vrrp_instance A {\n virtual_ipaddress {\n  10.0.0.1\n}\n',
    ['1:17: unbalanced braces: this { is never closed'],
  ],
  ['orphan {', 'global_defs { }\n{\n}\n', ['2:1: this { follows no keyword']],
  [
    'unterminated string',
    'global_defs {\n router_id "abc\n}\n',
    ['2:12: unterminated string: this " has no closing "'],
  ],
  [
    'unterminated string mid-word',
    'global_defs {\n router_id ab"c d\n}\n',
    ['2:14: unterminated string: this " has no closing "'],
  ],
  ['vrrp_instance without block', 'vrrp_instance A\npriority 1\n', ['1:1: vrrp_instance A needs a { ... } block']],
  ['vrrp_instance without name', 'vrrp_instance {\n}\n', ['1:1: vrrp_instance needs a name before its {']],
  ['vrrp_instance with two names', 'vrrp_instance A B {\n}\n', ['1:17: vrrp_instance takes one name, got A B']],
  [
    'duplicate instance',
    'vrrp_instance A {\n}\nvrrp_instance A {\n}\n',
    ['3:15: vrrp_instance A is defined twice (first at line 1)'],
  ],
  ['vrrp_sync_group without block', 'vrrp_sync_group G\n', ['1:1: vrrp_sync_group G needs a { ... } block']],
  ['vrrp_script without name', 'vrrp_script {\n script /bin/true\n}\n', ['1:1: vrrp_script needs a name before its {']],
  ['global_defs without block', 'global_defs\nvrrp_instance A {\n}\n', ['1:1: global_defs needs a { ... } block']],
  ['global_defs with a name', 'global_defs X {\n}\n', ['1:13: global_defs takes no name: write global_defs { ... }']],
  [
    'authentication without block',
    'vrrp_instance A {\n authentication PASS\n}\n',
    ['2:2: authentication needs a { ... } block'],
  ],
  [
    'list keyword without block',
    'vrrp_instance A {\n virtual_ipaddress 10.0.0.1\n}\n',
    ['2:2: virtual_ipaddress needs a { ... } block: write virtual_ipaddress { 10.0.0.1 }'],
  ],
  [
    'list with words before {',
    'vrrp_instance A {\n unicast_peer 10.0.0.1 {\n }\n}\n',
    ['2:15: unicast_peer takes its entries inside { ... }, not before it'],
  ],
  [
    'block inside a list',
    'vrrp_instance A {\n track_script {\n  chk {\n  }\n }\n}\n',
    ['3:7: an entry of track_script cannot open a { ... } block'],
  ],
  [
    'setting then block',
    'vrrp_instance A {\n priority 1\n priority {\n }\n}\n',
    ['3:2: priority is used both as a setting and as a block'],
  ],
  ['unclosed ${', 'vrrp_instance A {\n interface ${IF\n}\n', ['2:12: ${ is not closed: missing }']],
  ['bad ${...} name', 'vrrp_instance A {\n interface ${1X}\n}\n', ['2:12: ${1X} is not a parameter name']],
  ['space before =', '$IF =eth0\n', ['1:1: a definition has no space before "=": write $NAME=VALUE']],
  [
    'self-referencing definition',
    '$A=x$A\nglobal_defs {\n router_id $A\n}\n',
    ['3:12: parameter substitution does not end (a definition that uses itself?)'],
  ],
  [
    '_ENV without variable',
    'global_defs {\n router_id ${_ENV}\n}\n',
    ['2:12: ${_ENV VAR} needs the name of an environment variable'],
  ],
  [
    '_RANDOM with MIN above MAX',
    'global_defs {\n router_id r${_RANDOM 9 1}\n}\n',
    ['2:13: ${_RANDOM [MIN [MAX]]} takes two whole numbers, MIN no more than MAX'],
  ],
  [
    '~SEQ without )',
    'vrrp_instance A {\n virtual_ipaddress {\n  ~SEQ(A, 1, 3 10.0.0.$A\n }\n}\n',
    ['3:3: ~SEQ( is not closed: missing )'],
  ],
  [
    '~SEQ one argument',
    'vrrp_instance A {\n ~SEQ(A) priority $A\n}\n',
    ['2:2: ~SEQ(var, start, step, end) needs 2 to 4 arguments: var and end, optionally start and step'],
  ],
  ['~SEQ bad variable', 'vrrp_instance A {\n ~SEQ(1A, 3) priority 1\n}\n', ['2:2: ~SEQ: "1A" is not a variable name']],
  [
    '~SEQ bad number',
    'vrrp_instance A {\n ~SEQ(A, one, 3) priority 1\n}\n',
    ['2:2: ~SEQ: "one" is not a whole number'],
  ],
  [
    '~SEQ zero step',
    'vrrp_instance A {\n ~SEQ(A, 1, 0, 3) priority 1\n}\n',
    ['2:2: ~SEQ: step 0 never goes from 1 to 3'],
  ],
  [
    '~SEQ wrong direction',
    'vrrp_instance A {\n ~SEQ(A, 1, -1, 3) priority 1\n}\n',
    ['2:2: ~SEQ: step -1 never goes from 1 to 3'],
  ],
  [
    '~SEQ too long',
    'vrrp_instance A {\n ~SEQ(A, 1, 200000) priority 1\n}\n',
    ['2:2: ~SEQ repeats lines more than 100000 times'],
  ],
  [
    '~LST with a short tuple',
    'vrrp_instance A {\n ~LST({A, B}, {1, 2}, {3}) priority $A\n}\n',
    ['2:2: ~LST: each value needs 2 part(s), one per variable'],
  ],
  ['unknown ~', '~FOO bar\n', ['1:1: a line starting with ~ must be ~SEQ(var, start, step, end) or ~SEQx(...)']],
  [
    '@ without id',
    'global_defs {\n @ router_id x\n}\n',
    ['2:2: @ must be followed directly by a config id (as in @high)'],
  ],
  ['include without file', 'include\n', ['1:1: include needs a file name or pattern']],
  [
    'several errors at once',
    'vrrp_instance A {\n priority $P\n interface "eth0\n virtual_ipaddress 1.2.3.4\n',
    [
      '3:12: unterminated string: this " has no closing "',
      '1:17: unbalanced braces: this { is never closed',
      '4:2: virtual_ipaddress needs a { ... } block: write virtual_ipaddress { 1.2.3.4 }',
    ],
  ],
];

describe('keepalived reader: broken configurations', () => {
  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));
  it.each(CASES)('%s', (_what, text, expected) => {
    const r = parseKeepalivedConfig(text, F, { host: memHost({}), configId: 'high' });
    expect(r.errors.map(fmt)).toEqual(expected.map((e) => `${F}:${e}`));
  });

  it('in an included file, errors name that file', () => {
    const r = parseKeepalivedConfig('include inc/*.conf\n', F, {
      host: memHost({ '/k/inc/x.conf': 'global_defs {\n router_id "a\n' }),
    });
    expect(r.errors.map(fmt)).toEqual([
      '/k/inc/x.conf:2:12: unterminated string: this " has no closing "',
      '/k/inc/x.conf:1:13: unbalanced braces: this { is never closed',
    ]);
  });
});
