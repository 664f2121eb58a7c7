/**
 * The Debian package, built offline with dpkg-deb: dist/vipd_VERSION_ARCH.deb (run after `npm run build` and
 * `npm run addon:prebuild`, as `npm run package:deb` does).
 *
 *   /usr/bin/vipd                          runs the bundle with the Node below and the executable's V8 flags
 *   /usr/lib/vipd/                         the bundle, the prebuilt addon, the few packages the bundle leaves out
 *   /usr/lib/vipd/node/                    the official Node build vipd was tested with (scripts/node-runtimes.json)
 *   /usr/lib/systemd/system/vipd.service   conf/vipd.service
 *   /etc/vipd/vipd.yaml                    conf/vipd.example.yaml, a conffile (an upgrade keeps local edits)
 *   /usr/share/man/man8/vipd.8.gz, man5/vipd.yaml.5.gz   from the project's own text (scripts/man.mjs)
 *
 * It depends only on Debian's own libraries (found by dpkg-shlibdeps from the binaries it carries), so it installs
 * on a Debian 12 whose own nodejs is 18, or none. Installing does not start the service; removing keeps /etc/vipd,
 * purging removes it and the compile cache.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { vipdPage, yamlPage } from './man.mjs';
import { ensureNode, PINS } from './node-runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const LIB = 'usr/lib/vipd';
/** The packages the bundle leaves outside (scripts/bundle.mjs: native code, and pino-pretty for terminals). */
const EXTERNAL = ['netlink', 'node-gyp-build', 'pino-pretty'];
const MAINTAINER = 'vipd developers <vipd@example.org>';
/** Scripts of the external packages that run as programs (#!/usr/bin/env node); vipd only imports the packages. */
const UNUSED_PROGRAMS = [
  'pino-pretty/bin.js',
  'node-gyp-build/bin.js',
  'node-gyp-build/optional.js',
  'node-gyp-build/build-test.js',
];

const stage = path.join(root, 'dist/deb', `vipd_${pkg.version}_${arch}`);
const lib = path.join(stage, LIB);
rmSync(path.join(root, 'dist/deb'), { recursive: true, force: true });
mkdirSync(lib, { recursive: true });

const put = (rel, text, mode = 0o644) => {
  const file = path.join(stage, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
};

// The bundle: the executable, its chunks, the check thread's entry; and a package.json for --version and the root.
const dist = path.join(root, 'dist');
mkdirSync(path.join(lib, 'dist/checks'), { recursive: true });
for (const f of readdirSync(dist)) {
  if (f === 'vipd.js' || /^vipd-.*\.js$/.test(f)) copyFileSync(path.join(dist, f), path.join(lib, 'dist', f));
}
copyFileSync(path.join(dist, 'checks/worker-main.js'), path.join(lib, 'dist/checks/worker-main.js'));
put(
  `${LIB}/package.json`,
  `${JSON.stringify({ name: 'vipd', version: pkg.version, type: 'module', private: true }, null, 2)}\n`,
);

// The addon: the prebuild only (node-gyp-build finds it in native/prebuilds).
const prebuilds = path.join(root, 'native/prebuilds', `linux-${process.arch}`);
if (!existsSync(prebuilds)) throw new Error('no prebuilt addon: run `npm run addon:prebuild` first');
cpSync(prebuilds, path.join(lib, 'native/prebuilds', `linux-${process.arch}`), { recursive: true });

// The external packages and what they depend on, without sources, tests, type definitions or other architectures.
const needed = new Set();
const queue = [...EXTERNAL];
while (queue.length > 0) {
  const name = queue.shift();
  if (needed.has(name) || name.startsWith('@types/') || name === 'node-addon-api') continue;
  needed.add(name);
  const meta = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'));
  queue.push(...Object.keys(meta.dependencies ?? {}));
}
const SKIP =
  /(^|\/)(src|test|tests|docs?|benchmarks?|examples?|\.github|binding\.gyp|.*\.d\.ts|.*\.map|.*\.md|\.[^/]*)$/;
for (const name of needed) {
  cpSync(path.join(root, 'node_modules', name), path.join(lib, 'node_modules', name), {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(path.join(root, 'node_modules', name), src);
      if (rel === '') return true;
      if (rel === 'LICENSE' || rel.startsWith('LICENSE')) return true;
      if (rel.split(path.sep).includes('node_modules')) return false;
      if (rel.startsWith('prebuilds/') && !rel.startsWith(`prebuilds/linux-${process.arch}`)) return false;
      return !SKIP.test(rel);
    },
  });
}

for (const rel of UNUSED_PROGRAMS) rmSync(path.join(lib, 'node_modules', rel), { force: true });
// Plain files are not executable; a package's prebuilt addon is stripped, as Debian wants of shared objects.
for (const file of findFiles(path.join(lib, 'node_modules'), () => true)) chmodSync(file, 0o644);
for (const file of findFiles(path.join(lib, 'node_modules'), (f) => f.endsWith('.node'))) {
  execFileSync('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', file]);
}
// The bundle runs through /usr/bin/vipd, never by its #! line: that line becomes a comment (same line numbers).
const entry = path.join(lib, 'dist/vipd.js');
writeFileSync(entry, readFileSync(entry, 'utf8').replace(/^#!.*/, '// vipd: run by /usr/bin/vipd'));
for (const dir of ['native', 'dist'])
  for (const file of findFiles(path.join(lib, dir), () => true)) chmodSync(file, 0o644);

// Node: the pinned reference build's binary and licence, byte for byte as the registry has it (so its checksum can be
// compared with the official release's); lintian's objections to an upstream binary are overridden, with the reason.
const nodeDir = ensureNode(PINS.reference);
mkdirSync(path.join(lib, 'node/bin'), { recursive: true });
copyFileSync(path.join(nodeDir, 'bin/node'), path.join(lib, 'node/bin/node'));
chmodSync(path.join(lib, 'node/bin/node'), 0o755);
copyFileSync(path.join(nodeDir, 'LICENSE'), path.join(lib, 'node/LICENSE'));
const nodeVersion = execFileSync(path.join(lib, 'node/bin/node'), ['--version'], { encoding: 'utf8' }).trim();

// /usr/bin/vipd: the executable's own V8 flags (its #! line), on the packaged Node.
const shebang = readFileSync(path.join(dist, 'vipd.js'), 'utf8').split('\n', 1)[0];
const flags = shebang
  .split(/\s+/)
  .filter((w) => w.startsWith('--'))
  .join(' ');
put(
  'usr/bin/vipd',
  `#!/bin/sh\n# vipd on the Node it was tested with (${nodeVersion}, /usr/lib/vipd/node), with its executable's V8 flags.\nexec /${LIB}/node/bin/node ${flags} /${LIB}/dist/vipd.js "$@"\n`,
  0o755,
);

put(
  'usr/share/lintian/overrides/vipd',
  [
    '# The official Node.js build, carried unchanged (the same bytes as nodejs.org and the registry publish).',
    'vipd: unstripped-binary-or-object [usr/lib/vipd/node/bin/node]',
    'vipd: embedded-library zlib [usr/lib/vipd/node/bin/node]',
    'vipd: hardening-no-pie [usr/lib/vipd/node/bin/node]',
    '',
  ].join('\n'),
);
put('usr/lib/systemd/system/vipd.service', readFileSync(path.join(root, 'conf/vipd.service'), 'utf8'));
put('etc/vipd/vipd.yaml', readFileSync(path.join(root, 'conf/vipd.example.yaml'), 'utf8'));

const manCommand = [path.join(lib, 'node/bin/node'), path.join(lib, 'dist/vipd.js')];
const gz = (text) => gzipSync(Buffer.from(text), { level: 9 });
put('usr/share/man/man8/vipd.8.gz', gz(vipdPage(manCommand, pkg.version)));
put('usr/share/man/man5/vipd.yaml.5.gz', gz(yamlPage(pkg.version)));

// Documentation Debian asks of every package: the copyright (vipd's licence and Node's) and a changelog.
const year = new Date().getUTCFullYear();
put(
  'usr/share/doc/vipd/copyright',
  [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: vipd',
    '',
    'Files: *',
    `Copyright: ${year} vipd developers`,
    `License: ${pkg.license}`,
    '',
    'Files: usr/lib/vipd/node/*',
    'Copyright: Node.js contributors',
    'License: MIT and others, see /usr/lib/vipd/node/LICENSE',
    '',
    'Files: usr/lib/vipd/node_modules/*',
    'Copyright: their authors, see each package',
    'License: MIT, ISC, see each package',
    '',
    `License: ${pkg.license}`,
    ' Permission is hereby granted, free of charge, to any person obtaining a copy of this software and',
    ' associated documentation files (the "Software"), to deal in the Software without restriction.',
    ' The full text is in /usr/lib/vipd/node/LICENSE (the same MIT terms).',
    '',
  ].join('\n'),
);
const date = execFileSync('date', ['-R', '-u'], { encoding: 'utf8' }).trim();
put(
  'usr/share/doc/vipd/changelog.gz',
  gz(
    `vipd (${pkg.version}) unstable; urgency=medium\n\n  * Built from the project's repository, Node ${nodeVersion}.\n\n -- ${MAINTAINER}  ${date}\n`,
  ),
);

// Maintainer scripts: nothing starts on install; purge removes the configuration folder and the compile cache.
put(
  'DEBIAN/postinst',
  '#!/bin/sh\nset -e\n# Installing does not start or enable vipd: configure /etc/vipd/vipd.yaml first.\nif [ "$1" = configure ] && [ -d /run/systemd/system ]; then\n  systemctl daemon-reload >/dev/null 2>&1 || true\nfi\n',
  0o755,
);
put(
  'DEBIAN/postrm',
  '#!/bin/sh\nset -e\nif [ "$1" = purge ]; then\n  rm -rf /etc/vipd /var/cache/vipd\nfi\nif [ -d /run/systemd/system ]; then\n  systemctl daemon-reload >/dev/null 2>&1 || true\nfi\n',
  0o755,
);
put('DEBIAN/conffiles', '/etc/vipd/vipd.yaml\n');

// Depends: the shared libraries the carried binaries need, as Debian's tool finds them.
const shlibs = path.join(root, 'dist/deb/shlibs');
mkdirSync(path.join(shlibs, 'debian'), { recursive: true });
writeFileSync(path.join(shlibs, 'debian/control'), 'Source: vipd\n\nPackage: vipd\nArchitecture: any\n');
const binaries = [
  path.join(lib, 'node/bin/node'),
  ...readdirSync(path.join(lib, 'native/prebuilds', `linux-${process.arch}`)).map((f) =>
    path.join(lib, 'native/prebuilds', `linux-${process.arch}`, f),
  ),
  ...findFiles(path.join(lib, 'node_modules'), (f) => f.endsWith('.node')),
];
const substvars = execFileSync('dpkg-shlibdeps', ['-O', ...binaries.map((b) => `-e${b}`)], {
  cwd: shlibs,
  encoding: 'utf8',
});
const depends = /shlibs:Depends=(.*)/.exec(substvars)?.[1]?.trim();
if (!depends) throw new Error(`dpkg-shlibdeps gave no dependencies: ${substvars}`);

const installedKb = Math.ceil(du(stage) / 1024);
put(
  'DEBIAN/control',
  [
    'Package: vipd',
    `Version: ${pkg.version}`,
    'Section: net',
    'Priority: optional',
    `Architecture: ${arch}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKb}`,
    `Depends: ${depends}`,
    'Recommends: nftables, ipvsadm',
    // The master agent vipd registers its MIBs with when global_defs enables SNMP.
    'Suggests: snmpd',
    'Description: VRRP failover and IPVS load-balancing agent (keepalived-compatible)',
    ' vipd moves virtual IP addresses between a pair of load balancers with VRRP',
    " (v2 and v3, IPv4 and IPv6) and balances with the kernel's IPVS, reading",
    ' keepalived.conf as it is or its own YAML form.',
    ' .',
    ` It carries the Node.js build it is tested with (${nodeVersion}) under`,
    ' /usr/lib/vipd/node.',
    '',
  ].join('\n'),
);

const deb = path.join(root, 'dist', `vipd_${pkg.version}_${arch}.deb`);
execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: 'inherit' });
console.log(deb);

function findFiles(dir, pred) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findFiles(p, pred);
    return pred(p) ? [p] : [];
  });
}

function du(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = path.join(dir, e.name);
    if (e.name === 'DEBIAN') return n;
    return n + (e.isDirectory() ? du(p) : statSync(p).size);
  }, 0);
}
