/**
 * Trackers in the configuration: vipd's vrrp_check / track_check, the YAML map forms of the track_* lists, a
 * file path as a track_file entry, the keepalived.conf syntax of all of them, convert, and what is still refused
 * (BFD's trackers, issue 22).
 */
import { describe, expect, it } from 'vitest';
import { convertTreeToYaml, toYaml } from '../../src/core/config/convert.js';
import { parseKeepalivedConfig, parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import type { VipdConfig } from '../../src/core/config/model.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { memHost } from './keepalived/helpers.js';

const BASE = `vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    virtual_ipaddress: [10.0.0.1/24]
`;
const yaml = (text: string) => parseYamlConfig(text, 'x.yaml');
const issues = (text: string) => yaml(text).errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
const withoutSource = (v: unknown): unknown =>
  v === undefined ? undefined : JSON.parse(JSON.stringify(v, (k, x) => (k === 'source' ? undefined : x)));
const keepalived = (text: string) =>
  parseKeepalivedToConfig(text, '/etc/keepalived/keepalived.conf', { host: memHost({}), configId: 'x' });

const BRIEF = `vrrp_check:
  web:
    HTTP_GET: { connect_ip: 127.0.0.1, connect_port: 8080, url: [{ path: /health, status_code: 200 }] }
    delay_loop: 2
    weight: -30
    rise: 2
    fall: 3
vrrp_script:
  chk_haproxy: { script: /bin/true }
${BASE}    track_check: [web]
    track_script: [chk_haproxy]
    track_interface: [{ eth1: { weight: -20 } }]
    track_file: [{ /run/vipd/prio: { weight: 1 } }]
`;

describe('vrrp_check / track_check (trackers supported)', () => {
  it('loads the example of the brief', () => {
    const r = yaml(BRIEF);
    expect(r.errors).toEqual([]);
    const c = r.config as VipdConfig;
    expect(withoutSource(c.checks)).toEqual([
      {
        name: 'web',
        spec: {
          type: 'HTTP_GET',
          connectIp: '127.0.0.1',
          connectPort: 8080,
          connectTimeoutMs: 5000,
          urls: [{ path: '/health', statusCode: [[200, 200]] }],
          enableSni: false,
          verifyCert: false,
          maxBodyBytes: 1024 * 1024,
          httpProtocol: '1.0',
          delayLoopMs: 2000,
          retry: 1,
          delayBeforeRetryMs: 3000,
          warmupMs: 0,
        },
        weight: -30,
        reverse: false,
        rise: 2,
        fall: 3,
        initFail: false,
      },
    ]);
    const i = c.instances[0];
    expect(withoutSource(i?.trackChecks)).toEqual([{ name: 'web', weight: -30, reverse: false }]);
    expect(withoutSource(i?.trackInterfaces)).toEqual([{ interface: 'eth1', weight: -20, reverse: false }]);
    expect(withoutSource(i?.trackFiles)).toEqual([{ file: '/run/vipd/prio', weight: 1, reverse: false }]);
    expect(withoutSource(c.trackFiles)).toEqual([
      { name: '/run/vipd/prio', path: '/run/vipd/prio', weight: 1, reverse: false },
    ]);
    expect(i?.trackChecks[0]?.source).toEqual({ file: 'x.yaml', line: 15, col: 19 });
  });

  it.each([
    [
      'TCP_CHECK: { connect_port: 22 }',
      { type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: 22, connectTimeoutMs: 5000 },
      1,
      1000,
    ],
    [
      'HTTP_GET: { url: { path: / } }',
      {
        type: 'HTTP_GET',
        connectIp: '127.0.0.1',
        connectPort: 80,
        connectTimeoutMs: 5000,
        urls: [{ path: '/', statusCode: [[200, 299]] }],
        enableSni: false,
        verifyCert: false,
        maxBodyBytes: 1024 * 1024,
        httpProtocol: '1.0',
      },
      1,
      3000,
    ],
    [
      'SSL_GET: { url: [{ path: /x }], enable_sni: true, sni_name: a.example, verify_cert: true }',
      {
        type: 'SSL_GET',
        connectIp: '127.0.0.1',
        connectPort: 443,
        connectTimeoutMs: 5000,
        urls: [{ path: '/x', statusCode: [[200, 299]] }],
        enableSni: true,
        sniName: 'a.example',
        verifyCert: true,
        maxBodyBytes: 1024 * 1024,
        httpProtocol: '1.0',
      },
      1,
      3000,
    ],
    [
      'MISC_CHECK: { misc_path: "/bin/check a" }',
      { type: 'MISC_CHECK', miscPath: ['/bin/check', 'a'], miscTimeoutMs: 2000, miscDynamic: false },
      0,
      1000,
    ],
  ])('%s: keepalived defaults (retry, delay_before_retry by type)', (checker, spec, retry, dbr) => {
    const r = yaml(`vrrp_check:\n  c:\n    ${checker}\n${BASE}    track_check: [c]\n`);
    expect(r.errors).toEqual([]);
    const c = r.config?.checks[0];
    // The timing is part of the one check spec the engine gets.
    expect(withoutSource(c?.spec)).toEqual({ ...spec, delayLoopMs: 2000, retry, delayBeforeRetryMs: dbr, warmupMs: 0 });
    expect(c).toMatchObject({ weight: 0, rise: 1, fall: 1 });
  });

  it('every option, in the block and in the checker (the checker wins)', () => {
    const t = yaml(`vrrp_check:
  c:
    SSL_GET:
      connect_ip: 2001:db8::1
      connect_port: 8443
      bindto: 2001:db8::2
      connect_timeout: 1.5
      retry: 4
      url:
        - { path: /a, status_code: "200-204 301", digest: 0123456789ABCDEF0123456789abcdef }
        - { path: /b, status_code: [200, 302], regex: "ok|up", virtualhost: b.example }
      virtualhost: a.example
    delay_loop: 0.5
    connect_timeout: 3
    retry: 2
    delay_before_retry: 0.25
    warmup: 4
    weight: "10 reverse"
    init_fail: true
  m:
    MISC_CHECK: { misc_path: /bin/m, misc_timeout: 7, misc_dynamic: true, user: "nobody nogroup" }
${BASE}    track_check: ["c weight -5", { m: { weight: 3, reverse: true } }]
`);
    expect(t.errors).toEqual([]);
    const [c, m] = t.config?.checks ?? [];
    expect(withoutSource(c)).toEqual({
      name: 'c',
      spec: {
        type: 'SSL_GET',
        connectIp: '2001:db8::1',
        connectPort: 8443,
        bindto: '2001:db8::2',
        connectTimeoutMs: 1500,
        urls: [
          {
            path: '/a',
            statusCode: [
              [200, 204],
              [301, 301],
            ],
            digest: '0123456789abcdef0123456789abcdef',
          },
          {
            path: '/b',
            statusCode: [
              [200, 200],
              [302, 302],
            ],
            regex: 'ok|up',
            virtualhost: 'b.example',
          },
        ],
        virtualhost: 'a.example',
        enableSni: false,
        verifyCert: false,
        maxBodyBytes: 1024 * 1024,
        httpProtocol: '1.0',
        delayLoopMs: 500,
        retry: 4,
        delayBeforeRetryMs: 250,
        warmupMs: 4000,
      },
      weight: 10,
      reverse: true,
      rise: 1,
      fall: 1,
      initFail: true,
    });
    expect(withoutSource(m?.spec)).toEqual({
      type: 'MISC_CHECK',
      miscPath: ['/bin/m'],
      miscTimeoutMs: 7000,
      miscDynamic: true,
      user: { user: 'nobody', group: 'nogroup' },
      delayLoopMs: 2000,
      retry: 0,
      delayBeforeRetryMs: 1000,
      warmupMs: 0,
    });
    expect(withoutSource(t.config?.instances[0]?.trackChecks)).toEqual([
      { name: 'c', weight: -5, reverse: false },
      { name: 'm', weight: 3, reverse: true },
    ]);
  });

  it('track_check resolves weight and reverse like track_script', () => {
    const r = yaml(
      `vrrp_check:\n  c: { TCP_CHECK: { connect_port: 1 }, weight: "-7 reverse" }\n${BASE}    track_check: [c]\n`,
    );
    expect(withoutSource(r.config?.instances[0]?.trackChecks)).toEqual([{ name: 'c', weight: -7, reverse: true }]);
    const n = yaml(
      `vrrp_check:\n  c: { TCP_CHECK: { connect_port: 1 }, weight: "-7 reverse" }\n${BASE}    track_check: [c noreverse]\n`,
    );
    expect(withoutSource(n.config?.instances[0]?.trackChecks)).toEqual([{ name: 'c', weight: -7, reverse: false }]);
  });

  it.each([
    [
      'a track_check naming no vrrp_check',
      `vrrp_check:\n  web: { TCP_CHECK: { connect_port: 80 } }\n${BASE}    track_check: [wbe]\n`,
      ['8:19: track_check wbe: there is no vrrp_check wbe (did you mean web?)'],
    ],
    [
      'no checker',
      `vrrp_check:\n  c: { weight: 2 }\n`,
      ['2:3: vrrp_check c has no checker: give one of TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK'],
    ],
    [
      'two checkers',
      `vrrp_check:\n  c: { TCP_CHECK: { connect_port: 1 }, MISC_CHECK: { misc_path: /x } }\n`,
      ['2:40: vrrp_check c has more than one checker (TCP_CHECK, MISC_CHECK); use one vrrp_check each'],
    ],
    [
      'TCP_CHECK without a port',
      `vrrp_check:\n  c: { TCP_CHECK: { connect_ip: 10.0.0.1 } }\n`,
      ['2:8: TCP_CHECK of vrrp_check c has no connect_port'],
    ],
    [
      'HTTP_GET without url',
      `vrrp_check:\n  c: { HTTP_GET: {} }\n`,
      ['2:8: HTTP_GET of vrrp_check c has no url (url: [{ path: /health, status_code: 200 }])'],
    ],
    [
      'a bad status_code',
      `vrrp_check:\n  c: { HTTP_GET: { url: { path: /, status_code: 700 } } }\n`,
      ['2:49: status_code must be HTTP status codes (100–599) like 200, "200-299 301" or [200, 301], got 700'],
    ],
    [
      'a bad digest',
      `vrrp_check:\n  c: { HTTP_GET: { url: { path: /, digest: abc } } }\n`,
      ['2:44: digest must be an MD5 digest (32 hex digits), got "abc"'],
    ],
    [
      'a path without /',
      `vrrp_check:\n  c: { HTTP_GET: { url: [{ path: health }] } }\n`,
      ['2:34: path must be a URL path starting with / (no spaces), got "health"'],
    ],
    [
      'SNI on HTTP_GET',
      `vrrp_check:\n  c: { HTTP_GET: { url: { path: / }, enable_sni: true } }\n`,
      ['2:38: unknown keyword enable_sni in HTTP_GET of vrrp_check c'],
    ],
    [
      'a link-local connect_ip without bind_if (keepalived: "requires a bind_if")',
      `vrrp_check:\n  c: { HTTP_GET: { url: { path: / }, connect_ip: fe80::1 } }\n`,
      ['2:8: HTTP_GET of vrrp_check c: the link-local connect_ip fe80::1 needs a bind_if'],
    ],
    [
      'a url option vipd lacks',
      `vrrp_check:\n  c: { HTTP_GET: { url: { path: /, regex: x, regex_options: extended } } }\n`,
      ['2:61: regex_options extended is not supported (vipd has: caseless multiline dotall utf ucp)'],
    ],
    [
      'connect_timeout on MISC_CHECK',
      `vrrp_check:\n  c: { MISC_CHECK: { misc_path: /x }, connect_timeout: 2 }\n`,
      ['2:39: connect_timeout does not apply to MISC_CHECK (use misc_timeout)'],
    ],
    [
      'weight out of range',
      `vrrp_check:\n  c: { TCP_CHECK: { connect_port: 1 }, weight: 254 }\n`,
      ['2:48: weight must be a whole number from -253 to 253, optionally followed by reverse, got 254'],
    ],
  ])('%s is an error at its place', (_what, text, want) => {
    expect(issues(text)).toEqual(want);
  });
});

describe('track_* map forms and file paths', () => {
  it.each([
    [
      'track_interface: [{ eth1: { weight: 300 } }]',
      ['6:23: track_interface eth1: weight must be a whole number from -253 to 253, got 300'],
    ],
    [
      'track_interface: [{ eth1: , eth2: }]',
      [
        '6:23: track_interface entry must be a line like "NAME weight N" or a map { NAME: { weight: N, reverse: true } }, with exactly one name (got 2)',
      ],
    ],
    [
      'track_interface: [{ eth1: { wieght: 2 } }]',
      ['6:23: unknown option "wieght" in track_interface eth1 (weight and reverse are the options)'],
    ],
    ['track_interface: [{ "eth/1": }]', ['6:23: track_interface eth/1: "eth/1" is not an interface name']],
    ['track_interface: [eth1, { eth1: { weight: 2 } }]', ['6:29: track_interface eth1 is listed twice']],
    ['track_file: [tf_x]', ['6:18: track_file tf_x: there is no track_file tf_x']],
  ])('%s', (line, want) => {
    expect(issues(`${BASE}    ${line}\n`)).toEqual(want);
  });

  it('map forms give the same model as lines; a bare name, reverse', () => {
    const a = yaml(`${BASE}    track_interface: [{ eth1: }, { eth2: { weight: 5, reverse: true } }, { eth3: {} }]\n`);
    const b = yaml(`${BASE}    track_interface: [eth1, "eth2 weight 5 reverse", eth3]\n`);
    expect(a.errors).toEqual([]);
    expect(withoutSource(a.config)).toEqual(withoutSource(b.config));
  });

  it('a file path names the file directly; two instances share it; a block of that name wins', () => {
    const r = yaml(`${BASE}    track_file: ["/run/p weight -3"]
  VI_2:
    interface: eth0
    virtual_router_id: 52
    virtual_ipaddress: [10.0.0.2/24]
    track_file: [/run/p]
`);
    expect(r.errors).toEqual([]);
    expect(withoutSource(r.config?.trackFiles)).toEqual([
      { name: '/run/p', path: '/run/p', weight: 1, reverse: false },
    ]);
    expect(r.config?.instances.map((i) => i.trackFiles.map((t) => [t.file, t.weight]))).toEqual([
      [['/run/p', -3]],
      [['/run/p', 1]],
    ]);
    const block = yaml(`track_file:\n  /run/p: { file: /elsewhere, weight: 4 }\n${BASE}    track_file: [/run/p]\n`);
    expect(withoutSource(block.config?.trackFiles)).toEqual([
      { name: '/run/p', path: '/elsewhere', weight: 4, reverse: false },
    ]);
    expect(block.config?.instances[0]?.trackFiles[0]?.weight).toBe(4);
  });
});

describe('keepalived.conf syntax', () => {
  const CONF = `vrrp_check web {
  HTTP_GET {
    connect_ip 127.0.0.1
    connect_port 8080
    url {
      path /health
      status_code 200
    }
    url {
      path /ready
      status_code 200-299 301
      digest 01234567890123456789012345678901
    }
  }
  delay_loop 2
  weight -30
  rise 2
  fall 3
}
vrrp_check m {
  MISC_CHECK {
    misc_path "/bin/check --fast"
    misc_dynamic
  }
}
vrrp_script chk_haproxy {
  script /bin/true
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    10.0.0.1/24
  }
  track_check {
    web
    m weight 5 reverse
  }
  track_script {
    chk_haproxy
  }
  track_interface {
    eth1 weight -20
  }
  track_file {
    /run/vipd/prio weight 1
  }
}
`;
  const YAML = `vrrp_check:
  web:
    HTTP_GET:
      connect_ip: 127.0.0.1
      connect_port: 8080
      url:
        - { path: /health, status_code: 200 }
        - { path: /ready, status_code: "200-299 301", digest: "01234567890123456789012345678901" }
    delay_loop: 2
    weight: -30
    rise: 2
    fall: 3
  m:
    MISC_CHECK: { misc_path: "/bin/check --fast", misc_dynamic: }
vrrp_script:
  chk_haproxy: { script: /bin/true }
${BASE}    track_check: [web, "m weight 5 reverse"]
    track_script: [chk_haproxy]
    track_interface: [{ eth1: { weight: -20 } }]
    track_file: [{ /run/vipd/prio: { weight: 1 } }]
`;

  it('loads to the same model as the YAML form', () => {
    const k = keepalived(CONF);
    expect(k.errors).toEqual([]);
    const y = yaml(YAML);
    expect(y.errors).toEqual([]);
    expect(withoutSource(k.config)).toEqual(withoutSource(y.config));
    expect(k.config?.checks[0]?.spec).toMatchObject({ urls: [{ path: '/health' }, { path: '/ready' }] });
  });

  it('errors inside url blocks point into the file', () => {
    const k = keepalived(CONF.replace('status_code 200-299 301', 'status_code 99'));
    expect(k.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)).toEqual([
      '11:19: status_code must be HTTP status codes (100–599) like 200, "200-299 301" or [200, 301], got 99',
    ]);
  });

  it('converts (tree → YAML) to a file that loads to the same model', () => {
    const parsed = parseKeepalivedConfig(CONF, '/k.conf', { host: memHost({}), configId: 'x' });
    const again = yaml(convertTreeToYaml(parsed.tree));
    expect(again.errors).toEqual([]);
    expect(withoutSource(again.config)).toEqual(withoutSource(keepalived(CONF).config));
  });
});

describe('convert: toYaml round-trips trackers', () => {
  it.each([
    ['the brief example', BRIEF],
    [
      'every checker option',
      `vrrp_check:
  s:
    SSL_GET: { connect_ip: 10.0.0.9, bindto: 10.0.0.2, connect_timeout: 2, virtualhost: v, enable_sni: true, sni_name: n, verify_cert: true,
               url: [{ path: /a, status_code: "200 302-303", digest: 0123456789abcdef0123456789abcdef, regex: "^ok", virtualhost: w }] }
    delay_loop: 0.5
    retry: 0
    delay_before_retry: 1
    warmup: 2
    weight: "-9 reverse"
    rise: 3
    fall: 4
    init_fail: true
  t: { TCP_CHECK: { connect_port: 22 }, retry: 3 }
  m: { MISC_CHECK: { misc_path: "/bin/x 'a b'", misc_timeout: 9, misc_dynamic: true, user: nobody }, delay_before_retry: 2 }
  h: { HTTP_GET: { connect_port: 80, url: { path: / } } }
${BASE}    track_check: [s, "t weight 4", "m weight -2 reverse", h]
    track_file: ["/run/a weight -1 reverse"]
`,
    ],
  ])('%s', (_what, text) => {
    const r = yaml(text);
    expect(r.errors).toEqual([]);
    const again = yaml(toYaml(r.config as VipdConfig));
    expect(again.errors).toEqual([]);
    expect(withoutSource(again.config)).toEqual(withoutSource(r.config));
  });
});

describe("BFD: FRR bfdd's sessions, never a BFD of vipd's own (issue 22)", () => {
  it('track_bfd names a session by its label or peer address; bfd_instance is refused, pointing at track_bfd', () => {
    expect(yaml(BRIEF).errors).toEqual([]);
    const r = yaml(`${BRIEF}    track_bfd: [up1, "2001:DB8::1 weight -10 reverse"]\n`);
    expect(r.errors).toEqual([]);
    expect(withoutSource(r.config?.instances[0]?.trackBfds)).toEqual([
      { session: 'up1', weight: 0, reverse: false },
      { session: '2001:db8::1', weight: -10, reverse: true },
    ]);
    expect(issues(`${BRIEF}bfd_instance:\n  b: {}\n`)).toEqual([
      "19:1: bfd_instance: vipd runs no BFD of its own; configure the session in FRR's bfdd (frr.conf: bfd / peer ADDRESS) and track it with track_bfd ADDRESS",
    ]);
    // Sync-group trackers are the group's members' trackers.
    expect(issues(`${BRIEF}vrrp_sync_group:\n  G: { group: [VI_1], track_script: [chk_haproxy] }\n`)).toEqual([]);
  });

  it('an unknown top-level keyword is unknown, with the close one named', () => {
    expect(issues(`${BRIEF}vrrp_chek: {}\n`)).toEqual([
      '19:1: unknown top-level keyword vrrp_chek (did you mean vrrp_check?)',
    ]);
    expect(issues(`${BRIEF}track_process:\n  p: {}\n`)).toEqual([
      '19:1: unknown top-level keyword track_process (did you mean vrrp_track_process?)',
    ]);
  });

  it('keepalived.conf: track_interface runs', () => {
    const conf =
      'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24\n }\n track_interface {\n  eth1\n }\n}\n';
    expect(keepalived(conf).errors).toEqual([]);
  });
});

describe('vrrp_track_process (keepalived.conf)', () => {
  it("reads keepalived's block and the instance's track_process, weights resolved line over block", async () => {
    const { parseKeepalivedToConfig } = await import('../../src/core/config/keepalived/index.js');
    const { memHost } = await import('./keepalived/helpers.js');
    const text =
      'vrrp_track_process proxy {\n  process "/usr/sbin/ha proxy" -f "/etc/a b.cfg"\n  param_match partial\n  weight -20\n  quorum 2\n  quorum_max 4\n  delay 0.5\n  fork_delay 1\n}\n' +
      'vrrp_track_process sshd {\n  process sshd\n}\n' +
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1\n  }\n  track_process {\n    proxy\n    sshd weight 5 reverse\n  }\n}\n';
    const r = parseKeepalivedToConfig(text, '/k.conf', { host: memHost({}) });
    expect(r.errors).toEqual([]);
    expect(r.config?.trackProcesses.map(({ source: _s, ...t }) => t)).toEqual([
      {
        name: 'proxy',
        match: {
          process: '/usr/sbin/ha proxy',
          params: ['-f', '/etc/a b.cfg'],
          paramMatch: 'partial',
          fullCommand: false,
        },
        weight: -20,
        reverse: false,
        quorum: 2,
        quorumMax: 4,
        forkDelayMs: 1000,
        terminateDelayMs: 500,
      },
      {
        name: 'sshd',
        match: { process: 'sshd', params: undefined, paramMatch: 'exact', fullCommand: false },
        weight: 1,
        reverse: false,
        quorum: 1,
        quorumMax: Number.MAX_SAFE_INTEGER,
        forkDelayMs: 0,
        terminateDelayMs: 0,
      },
    ]);
    expect(r.config?.instances[0]?.trackProcesses.map((t) => [t.process, t.weight, t.reverse])).toEqual([
      ['proxy', -20, false],
      ['sshd', 5, true],
    ]);
  });
});
