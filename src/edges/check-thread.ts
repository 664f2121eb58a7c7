/**
 * Runs the check engine on its own thread (src/edges/checks/worker-main.ts) and hands out CheckHandles that
 * look like the engine's own. The VRRP event loop then only receives one small message per check result,
 * however many checks run. A thread that dies is restarted with the checks it was running (bounded).
 */
import type { Worker } from 'node:worker_threads';
import type { ResultReporting } from '../core/checks/reporting.js';
import type { Logger } from '../core/log.js';
import type { CheckResult } from '../core/tracking/types.js';
import type { CheckHandle, CheckSpec } from './checks/index.js';
import type { WorkerReply, WorkerRequest } from './checks/worker-protocol.js';
import { siblingModule, startWorker } from './worker.js';

const MAX_RESTARTS = 5;

interface Active {
  spec: CheckSpec;
  reporting: ResultReporting;
  onResult: (r: CheckResult) => void;
  stopped?: () => void;
}

export class CheckThread {
  private worker: Worker | undefined;
  private readonly active = new Map<number, Active>();
  private nextId = 1;
  private restarts = 0;
  private closing = false;

  constructor(private readonly log?: Logger) {}

  /** A check on the thread, its timing from the spec (keepalived's defaults where the spec has none). */
  createCheck(spec: CheckSpec, onResult: (r: CheckResult) => void, reporting: ResultReporting = 'every'): CheckHandle {
    const id = this.nextId++;
    let state: 'idle' | 'running' | 'stopped' = 'idle';
    return {
      start: () => {
        if (state !== 'idle') return;
        state = 'running';
        this.active.set(id, { spec, reporting, onResult });
        this.post({ op: 'start', id, spec, reporting });
      },
      stop: () => {
        if (state !== 'running') {
          state = 'stopped';
          return Promise.resolve();
        }
        state = 'stopped';
        const entry = this.active.get(id);
        return new Promise<void>((resolve) => {
          if (!entry || !this.worker) {
            this.active.delete(id);
            resolve();
            return;
          }
          entry.stopped = resolve;
          this.post({ op: 'stop', id });
        });
      },
      get running() {
        return state === 'running';
      },
    };
  }

  /** Stops the thread; checks still running are abandoned with it. */
  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker;
    this.worker = undefined;
    for (const a of this.active.values()) a.stopped?.();
    this.active.clear();
    await w?.terminate();
  }

  private post(m: WorkerRequest): void {
    this.thread().postMessage(m);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(siblingModule(import.meta.url, './checks/worker-main'));
    w.on('message', (m: WorkerReply) => {
      const a = this.active.get(m.id);
      if (!a) return;
      if ('result' in m) a.onResult(m.result);
      else {
        this.active.delete(m.id);
        a.stopped?.();
      }
    });
    w.on('error', (err) => this.log?.error({ err }, 'check thread failed'));
    w.on('exit', (code) => this.exited(w, code));
    this.worker = w;
    return w;
  }

  private exited(w: Worker, code: number): void {
    if (this.worker !== w || this.closing) return;
    this.worker = undefined;
    if (this.restarts >= MAX_RESTARTS) {
      this.log?.fatal({ code }, 'check thread keeps dying: health checks stopped, trackers keep their last state');
      return;
    }
    this.restarts++;
    this.log?.warn({ code, restart: this.restarts }, 'check thread exited: restarting it with its checks');
    for (const [id, a] of this.active) this.post({ op: 'start', id, spec: a.spec, reporting: a.reporting });
  }
}
