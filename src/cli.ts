#!/usr/bin/env node
/**
 * vipd command line: `run` (foreground daemon, pino JSON logs), `check-config`, `--help`, `--version`.
 * Exit codes: 0 ok; 2 configuration refused (every error printed as file:line:col); 1 cannot start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { VipdConfig } from './core/config/model.js';
import { formatIssue } from './core/config/yaml.js';
import { Daemon } from './daemon/daemon.js';
import { type ConfigFormat, convertConfigFile, loadConfigFile } from './edges/config-files.js';
import { createLogger, flushLogs } from './log.js';

const HELP = `vipd — VRRP failover agent (keepalived-compatible)

Usage:
  vipd run -f FILE [--log-level LEVEL]   run in the foreground, JSON logs on stdout
  vipd check-config -f FILE              validate FILE; exit 0 (warnings only) or 2 (errors)
  vipd convert [-f] FILE                 print FILE (keepalived.conf) as vipd YAML on stdout
  vipd --help | --version

FILE is a keepalived.conf or a vipd YAML file, told apart by content, or:
  --format keepalived|yaml               force the format
  -i, --config-id ID                     keepalived's config id for @ID lines (default: short host name)

Signals (run): SIGTERM/SIGINT send priority-0 adverts, remove the VIPs, run notify_stop, exit 0.
`;

function version(): string {
  const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      'log-level': { type: 'string' },
      format: { type: 'string' },
      'config-id': { type: 'string', short: 'i' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`vipd ${version()}\n`);
    return 0;
  }
  const command = positionals[0];
  if (command !== 'run' && command !== 'check-config' && command !== 'convert') {
    process.stderr.write(command ? `unknown command: ${command}\n\n${HELP}` : HELP);
    return 2;
  }
  const file = values.file ?? (command === 'convert' ? positionals[1] : undefined);
  if (!file) {
    process.stderr.write(`vipd ${command}: -f FILE is required\n`);
    return 2;
  }
  const format = values.format;
  if (format !== undefined && format !== 'yaml' && format !== 'keepalived') {
    process.stderr.write(`vipd: --format must be keepalived or yaml, not ${format}\n`);
    return 2;
  }
  const opts = { format: format as ConfigFormat | undefined, configId: values['config-id'] };
  if (command === 'convert') return convert(file, opts);
  const loaded = await loadConfigFile(file, opts);
  for (const w of loaded.warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
  for (const e of loaded.errors) process.stderr.write(`error: ${formatIssue(e)}\n`);
  if (loaded.errors.length > 0 || !loaded.config) return 2;
  if (command === 'check-config') {
    process.stdout.write(`${file}: configuration OK (${loaded.format}, ${loaded.config.instances.length} instances)\n`);
    return 0;
  }
  return run(loaded.config, values['log-level']);
}

/** Prints the YAML; what check-config would refuse in it goes to stderr. Exit 2 only when nothing could be read. */
async function convert(file: string, opts: { format?: ConfigFormat | undefined; configId?: string | undefined }) {
  const r = await convertConfigFile(file, opts);
  for (const w of r.warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
  for (const e of r.errors) process.stderr.write(`error: ${formatIssue(e)}\n`);
  if (r.yaml === undefined) return 2;
  for (const i of r.issues) process.stderr.write(`check-config will say: ${formatIssue(i)}\n`);
  process.stdout.write(r.yaml);
  return 0;
}

async function run(config: VipdConfig, level?: string) {
  const log = createLogger(level);
  const { createRealEdges } = await import('./edges/index.js');
  const daemon = new Daemon(config, await createRealEdges(log), log);

  let crashed = false;
  const crash = (err: unknown) => {
    if (crashed) return;
    crashed = true;
    log.fatal({ err }, 'vipd crashed; releasing VIPs');
    const deadline = setTimeout(() => process.exit(1), 2000);
    void daemon
      .emergencyRelease()
      .then(() => flushLogs(200))
      .finally(() => {
        clearTimeout(deadline);
        process.exit(1);
      });
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stop requested');
      void daemon.stop().then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Reload arrives with a later issue; until then SIGHUP must not kill the daemon and strand its VIPs.
  process.on('SIGHUP', () => log.warn('SIGHUP: configuration reload is not supported yet; keeping the running config'));

  // Fault injection for the crash-path test: an uncaught exception this many ms after start-up.
  const crashAfter = Number(process.env.VIPD_INJECT_CRASH_AFTER_MS);
  if (crashAfter > 0) {
    setTimeout(() => {
      throw new Error('injected crash (VIPD_INJECT_CRASH_AFTER_MS)');
    }, crashAfter).unref();
  }

  try {
    await daemon.start();
  } catch (err) {
    log.error({ err }, 'vipd cannot start');
    await daemon.emergencyRelease();
    return 1;
  }
  return stopped;
}

// A reader that left (EPIPE) must cost the lines it misses, never the daemon: without a listener the stream's
// 'error' would be an uncaught exception, and the crash path would release the VIPs of a healthy master.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

main(process.argv.slice(2)).then(
  (code) => flushLogs().then(() => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`vipd: ${err instanceof Error ? err.message : String(err)}\n`);
    void flushLogs().then(() => process.exit(1));
  },
);
