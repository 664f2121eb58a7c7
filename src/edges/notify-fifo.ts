/**
 * keepalived's notify FIFO: the FIFO is made if missing (mode 0600, or given to its owner), its reader script is
 * started with the FIFO's path as the last argument, and the FIFO is opened read-write and non-blocking, so that
 * opening never waits for a reader and a write never blocks: lines go through a LogStream (bounded queue, dropped
 * and counted past it). On close the queued lines get a moment, the FIFO closes (the reader sees end of file)
 * and the script gets a moment more before it is terminated.
 */
import { chownSync, closeSync, constants, existsSync, openSync, statSync } from 'node:fs';
import { VipdError } from '../core/errors.js';
import { lazyBuiltin } from '../core/lazy-builtin.js';
import type { NotifyFifoPort, ScriptLog } from '../core/ports.js';
import { LogStream } from './log-stream.js';
import { runScript, type ScriptHandle } from './scripts.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

const FLUSH_MS = 300;
const READER_EXIT_MS = 500;

export function openNotifyFifo(opts: {
  path: string;
  owner?: { uid: number; gid: number } | undefined;
  script?: string[] | undefined;
  log: ScriptLog;
}): NotifyFifoPort {
  if (!existsSync(opts.path)) childProcess().execFileSync('mkfifo', ['-m', '0600', opts.path]); // Node has no mkfifo
  if (!statSync(opts.path).isFIFO())
    throw new VipdError('VIPD_ERR_NOT_A_FIFO', `${opts.path} exists and is not a FIFO`);
  if (opts.owner) chownSync(opts.path, opts.owner.uid, opts.owner.gid);
  let readerExited: Promise<void> = Promise.resolve();
  let reader: ScriptHandle | undefined;
  if (opts.script) {
    readerExited = new Promise((resolve) => {
      reader = runScript([...opts.script!, opts.path], {
        timeoutMs: Number.POSITIVE_INFINITY,
        logger: opts.log,
        onExit: (r) => {
          opts.log.info({ path: opts.path, ...r }, 'notify FIFO reader exited');
          resolve();
        },
      });
    });
  }
  const fd = openSync(opts.path, constants.O_RDWR | constants.O_NONBLOCK);
  const stream = new LogStream(fd, { maxQueuedBytes: 256 * 1024 });
  let closed = false;
  return {
    write(line) {
      if (!closed) stream.write(line);
    },
    async close() {
      if (closed) return;
      closed = true;
      await stream.flush(FLUSH_MS);
      closeSync(fd);
      await Promise.race([readerExited, new Promise((r) => setTimeout(r, READER_EXIT_MS).unref())]);
      reader?.terminate();
      if (stream.stats.dropped > 0)
        opts.log.warn({ path: opts.path, dropped: stream.stats.dropped }, 'notify FIFO lines dropped');
    },
  };
}
