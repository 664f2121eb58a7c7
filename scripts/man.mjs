/**
 * Man pages from the project's own text: vipd(8) from `vipd --help` and the README's opening, vipd.yaml(5) from
 * conf/README.md. A small Markdown subset becomes roff (man(7) macros): headings, paragraphs, bullet lists, code
 * blocks and `code` spans. Used by scripts/package-deb.mjs; `node scripts/man.mjs DIR` writes both pages into DIR.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Text as roff reads it: backslashes doubled, a leading dot or quote kept literal. */
function roffText(text) {
  return text.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');
}

/** Inline Markdown: `code` in bold, **strong** in bold, links as their text. */
function inline(text) {
  return roffText(text)
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '\\fB$1\\fR')
    .replace(/`([^`]+)`/g, '\\fB$1\\fR');
}

/** The Markdown subset to man(7) body text. */
export function markdownToRoff(markdown) {
  const out = [];
  let code = false;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length > 0) out.push('.PP', inline(paragraph.join(' ')));
    paragraph = [];
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      flush();
      out.push(code ? '.fi\n.RE' : '.RS 4\n.nf');
      code = !code;
      continue;
    }
    if (code) {
      out.push(roffText(line) || '\\&');
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      out.push(`.SH ${roffText(heading[1].toUpperCase())}`);
    } else if (bullet) {
      flush();
      paragraph = [bullet[1]];
      out.push('.IP \\(bu 2');
      out.push(inline(paragraph.join(' ')));
      paragraph = [];
    } else if (line.trim() === '') {
      flush();
    } else if (/^\s{2,}\S/.test(line) && out.at(-2) === '.IP \\(bu 2') {
      out[out.length - 1] += ` ${inline(line.trim())}`; // a bullet's continuation line
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  return out.join('\n');
}

function header(name, section, title, version) {
  return `.TH ${name.toUpperCase()} ${section} "" "vipd ${version}" "${title}"\n`;
}

/** vipd(8): what it is (the README's opening), the command line (`vipd --help`), files, signals, see also. */
export function vipdPage(vipdCommand, version) {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const intro = readme
    .split('\n## ')[0]
    .split('\n')
    .filter((l) => !l.startsWith('#') && !l.startsWith('```'));
  const firstParagraph = intro.join('\n').trim().split('\n\n')[0];
  const help = execFileSync(vipdCommand[0], [...vipdCommand.slice(1), '--help'], { encoding: 'utf8' });
  return [
    header('vipd', 8, 'System Administration', version),
    '.SH NAME',
    'vipd \\- VRRP failover and IPVS load-balancing agent (keepalived-compatible)',
    '.SH SYNOPSIS',
    '.B vipd',
    '.I command',
    '[\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    markdownToRoff(firstParagraph),
    '.PP',
    'It reads keepalived.conf as it is, or its own YAML form (see \\fBvipd.yaml\\fR(5)).',
    '.SH USAGE',
    '.nf',
    roffText(help.trimEnd()),
    '.fi',
    '.SH FILES',
    '.TP',
    '.I /etc/vipd/vipd.yaml',
    'The configuration, read first; else \\fI/etc/keepalived/keepalived.conf\\fR.',
    '.TP',
    '.I /run/vipd/vipd.sock',
    'The control socket (root only) used by \\fBvipd status\\fR and \\fBvipd reload\\fR.',
    '.TP',
    '.I /run/vipd/vipd.pid',
    'The pid file.',
    '.TP',
    '.I /var/cache/vipd',
    "Node's compile cache for vipd's code, when started by systemd (CacheDirectory=vipd).",
    '.SH SIGNALS',
    '.TP',
    '.B SIGTERM, SIGINT',
    'Send priority-0 adverts, remove the virtual addresses, run notify_stop, exit 0.',
    '.TP',
    '.B SIGHUP',
    'Reload the configuration; a file with errors is refused and the running configuration stays.',
    '.TP',
    '.B SIGUSR1, SIGUSR2',
    "Write keepalived's data and statistics dumps.",
    '.SH EXIT STATUS',
    '0 success; 1 cannot start; 2 configuration refused (every error printed as file:line:col).',
    '.SH SEE ALSO',
    '\\fBvipd.yaml\\fR(5), \\fBkeepalived.conf\\fR(5), \\fBipvsadm\\fR(8)',
    '',
  ].join('\n');
}

/** vipd.yaml(5): conf/README.md, the YAML form of keepalived.conf. */
export function yamlPage(version) {
  const text = readFileSync(path.join(root, 'conf/README.md'), 'utf8').split('\n').slice(1).join('\n');
  return [
    header('vipd.yaml', 5, 'File Formats', version),
    '.SH NAME',
    'vipd.yaml \\- vipd configuration file (keepalived.conf written as YAML)',
    '.SH DESCRIPTION',
    markdownToRoff(text),
    '.SH FILES',
    '.I /etc/vipd/vipd.yaml',
    '.SH SEE ALSO',
    '\\fBvipd\\fR(8), \\fBkeepalived.conf\\fR(5)',
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? 'dist/man';
  const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'vipd.8'), vipdPage([process.execPath, path.join(root, 'dist/vipd.js')], version));
  writeFileSync(path.join(dir, 'vipd.yaml.5'), yamlPage(version));
}
