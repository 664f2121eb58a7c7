/**
 * Where vipd's log lines go: a file descriptor (stdout) written without ever blocking or wedging the daemon.
 *
 * Why not pino's default destination (sonic-boom): at process exit pino flushes it with `flushSync`, which
 * retries every error, EPIPE included, forever (a 100 ms sleep per round); and `log.fatal` does the same.
 * With the log reader gone (`vipd run | head`, a closed journal socket) a SIGTERM then never ended and a crash
 * never released its VIPs. A full pipe, on the other hand, made the buffer grow without bound.
 *
 * Here: one asynchronous write in flight at a time, a bounded queue (lines beyond it are dropped and counted,
 * and the count is written once the stream drains), EAGAIN retried later from a timer, any other error makes
 * the stream "broken" (every later line is dropped), and `flush` waits for the queue with a deadline.
 */
import { write as fsWrite } from 'node:fs';

export interface LogStreamOptions {
  /** Bytes queued at most before lines are dropped (default 1 MiB). */
  maxQueuedBytes?: number;
  /** Retry delay after EAGAIN (default 20 ms). */
  retryMs?: number;
}

export interface LogStreamStats {
  /** Lines dropped: queue full, or the stream broken. */
  dropped: number;
  /** The error code that broke the stream (EPIPE, ECONNRESET, ...), once it has. */
  broken: string | undefined;
}

export class LogStream {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private droppedSinceReport = 0;
  private readonly drainWaiters = new Set<() => void>();
  readonly stats: LogStreamStats = { dropped: 0, broken: undefined };
  private readonly maxQueuedBytes: number;
  private readonly retryMs: number;

  constructor(
    private readonly fd: number,
    opts: LogStreamOptions = {},
  ) {
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 1 << 20;
    this.retryMs = opts.retryMs ?? 20;
  }

  /** pino's destination contract: one call per serialized line. Never throws, never blocks. */
  write(line: string): boolean {
    if (this.stats.broken !== undefined || this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.stats.dropped++;
      this.droppedSinceReport++;
      return false;
    }
    const buf = Buffer.from(line);
    this.queue.push(buf);
    this.queuedBytes += buf.length;
    this.pump();
    return true;
  }

  /** Resolves once everything queued is written, the stream broke, or `timeoutMs` passed (never rejects). */
  flush(timeoutMs: number): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.drainWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.drainWaiters.add(done);
    });
  }

  private get idle(): boolean {
    return this.stats.broken !== undefined || (this.queue.length === 0 && !this.writing);
  }

  private pump(): void {
    if (this.writing || this.retryTimer || this.stats.broken !== undefined) return;
    const buf = this.nextChunk();
    if (!buf) {
      for (const w of [...this.drainWaiters]) w();
      return;
    }
    this.writing = true;
    fsWrite(this.fd, buf, 0, buf.length, null, (err, n) => {
      this.writing = false;
      if (err) {
        if (err.code === 'EAGAIN') {
          this.queue.unshift(buf);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, this.retryMs);
          this.retryTimer.unref();
          return;
        }
        this.breakOff(err.code ?? err.message);
        return;
      }
      this.queuedBytes -= n;
      if (n < buf.length) this.queue.unshift(buf.subarray(n));
      this.pump();
    });
  }

  /** The next bytes to write: queued lines joined (one syscall for a burst), plus the drop report once drained. */
  private nextChunk(): Buffer | undefined {
    if (this.queue.length === 0 && this.droppedSinceReport > 0) {
      const note = `${JSON.stringify({ level: 40, time: new Date().toISOString(), name: 'vipd', pid: process.pid, dropped: this.droppedSinceReport, msg: 'log lines dropped: the log reader was too slow' })}\n`;
      this.droppedSinceReport = 0;
      const buf = Buffer.from(note);
      this.queuedBytes += buf.length;
      return buf;
    }
    if (this.queue.length <= 1) return this.queue.shift();
    const all = Buffer.concat(this.queue);
    this.queue.length = 0;
    return all;
  }

  private breakOff(code: string): void {
    this.stats.broken = code;
    this.stats.dropped += this.queue.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
    for (const w of [...this.drainWaiters]) w();
  }
}
