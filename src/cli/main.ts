/**
 * vipd command line: `run` (foreground daemon, pino JSON logs), `check-config`, `--help`, `--version`.
 * Exit codes: 0 ok; 2 configuration refused (every error printed as file:line:col); 1 cannot start.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ConfigFormat } from '../edges/config-files.js';
import { packageRoot } from '../package-root.js';

// Each command loads what it needs when it runs (`vipd --version` loads none of it: start-up time, issue 11).

const DEFAULT_FILES = ['/etc/vipd/vipd.yaml', '/etc/keepalived/keepalived.conf'];
const DEFAULT_CONTROL_SOCKET = '/run/vipd/vipd.sock';
const DEFAULT_PID_FILE = '/run/vipd/vipd.pid';

const HELP = `vipd — VRRP failover agent (keepalived-compatible)

Usage:
  vipd run [-f FILE] [--control-socket PATH] [--pid-file PATH] [--metrics ADDR:PORT] [--log-level LEVEL]
                                         run in the foreground, JSON logs on stdout; --metrics serves
                                         Prometheus text at http://ADDR:PORT/metrics (off by default)
  vipd status [--json] [--control-socket PATH]
                                         the running daemon's instances (a table, or JSON for scripts)
  vipd reload [--control-socket PATH]   re-read the running daemon's configuration (as SIGHUP does): exit 0
                                         applied, 2 refused (every error printed), 1 no daemon
  vipd check-config [-f FILE] [--strict] validate FILE; exit 0 (warnings only) or 2 (errors); --strict
                                         refuses what vipd accepts only because keepalived does
                                         (the warnings that say what keepalived 2.2.7 does)
  vipd convert [-f] FILE                 print FILE (keepalived.conf) as vipd YAML on stdout
  vipd cleanup                           remove the routes a crashed vipd left announced (every route of
                                         vipd's protocol number, 245; no configuration needed)
  vipd --help | --version

Without -f: ${DEFAULT_FILES.join(' if present, else ')}.
Defaults: --control-socket ${DEFAULT_CONTROL_SOCKET} (root only), --pid-file ${DEFAULT_PID_FILE}.

FILE is a keepalived.conf or a vipd YAML file, told apart by content, or:
  --format keepalived|yaml               force the format
  -i, --config-id ID                     keepalived's config id for @ID lines (default: short host name)

Signals (run): SIGTERM/SIGINT send priority-0 adverts, remove the VIPs, run notify_stop, exit 0.
`;

function version(): string {
  const pkg = path.join(packageRoot(import.meta.url), 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      'log-level': { type: 'string' },
      'control-socket': { type: 'string' },
      'pid-file': { type: 'string' },
      metrics: { type: 'string' },
      json: { type: 'boolean' },
      strict: { type: 'boolean' },
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
  const controlSocket = values['control-socket'] ?? DEFAULT_CONTROL_SOCKET;
  if (command === 'status') return (await import('./status.js')).status(controlSocket, values.json === true);
  if (command === 'reload') return (await import('./reload.js')).reload(controlSocket);
  if (command === 'cleanup') return (await import('./cleanup.js')).cleanup();
  if (command !== 'run' && command !== 'check-config' && command !== 'convert') {
    process.stderr.write(command ? `unknown command: ${command}\n\n${HELP}` : HELP);
    return 2;
  }
  const file = values.file ?? (command === 'convert' ? positionals[1] : DEFAULT_FILES.find((f) => existsSync(f)));
  if (!file) {
    const where = command === 'convert' ? '' : ` (none of ${DEFAULT_FILES.join(', ')} exists)`;
    process.stderr.write(`vipd ${command}: -f FILE is required${where}\n`);
    return 2;
  }
  const format = values.format;
  if (format !== undefined && format !== 'yaml' && format !== 'keepalived') {
    process.stderr.write(`vipd: --format must be keepalived or yaml, not ${format}\n`);
    return 2;
  }
  const opts = { format: format as ConfigFormat | undefined, configId: values['config-id'] };
  if (command === 'convert') return (await import('./convert.js')).convert(file, opts);
  const [{ loadConfigFile }, { formatIssue }] = await Promise.all([
    import('../edges/config-files.js'),
    import('../core/config/result.js'),
  ]);
  const loaded = await loadConfigFile(file, opts);
  // --strict: keepalived's leniency, accepted by default, becomes an error.
  const strict = command === 'check-config' && values.strict === true;
  const refused = strict ? loaded.warnings.filter((w) => w.lenient) : [];
  for (const w of loaded.warnings) if (!refused.includes(w)) process.stderr.write(`warning: ${formatIssue(w)}\n`);
  for (const e of [...refused, ...loaded.errors]) process.stderr.write(`error: ${formatIssue(e)}\n`);
  if (loaded.errors.length > 0 || refused.length > 0 || !loaded.config) return 2;
  if (command === 'check-config') {
    const lvs = loaded.config.virtualServers.length;
    const servers = lvs > 0 ? `, ${lvs} virtual servers` : '';
    process.stdout.write(
      `${file}: configuration OK (${loaded.format}, ${loaded.config.instances.length} instances${servers})\n`,
    );
    return 0;
  }
  const metricsText = values.metrics;
  // node:http is loaded only for a daemon that serves metrics.
  const metrics =
    metricsText === undefined
      ? undefined
      : (await import('../edges/control/metrics-http.js')).parseListenAddress(metricsText);
  if (metricsText !== undefined && !metrics) {
    process.stderr.write(`vipd: --metrics must be ADDR:PORT (127.0.0.1:9650, [::1]:9650), not ${metricsText}\n`);
    return 2;
  }
  const load = async () => {
    const again = await loadConfigFile(file, opts);
    return {
      config: again.errors.length === 0 ? again.config : undefined,
      errors: again.errors.map(formatIssue),
      warnings: again.warnings.map(formatIssue),
    };
  };
  const { run } = await import('./run.js');
  return run(loaded.config, {
    load,
    metrics,
    logLevel: values['log-level'],
    controlSocket,
    pidFile: values['pid-file'] ?? DEFAULT_PID_FILE,
    version: version(),
  });
}
