#!/usr/bin/env node
/** The `vipd` executable: the commands live in src/cli/; this file only runs one and exits with its code. */
import { main } from './cli/main.js';
import { flushLogs } from './log-flush.js';

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
