/**
 * Kernel re-checks per device, one after another, so that a slow one never overtakes a later event; and a burst of
 * events asking for the same re-check costs one (a re-check asked for again before it started is not queued twice).
 */
export class DeviceQueues {
  private readonly queues = new Map<string, Promise<void>>();
  /** Coalesced tasks asked for and not started yet. */
  private readonly pending = new Set<string>();

  constructor(private readonly failed: (err: unknown, queue: string) => void) {}

  /** Runs `task` after the earlier tasks of `queue` (a device name, or a name of its own with '*'). */
  run(queue: string, task: () => Promise<void>): void {
    const next = (this.queues.get(queue) ?? Promise.resolve()).then(task).catch((err: unknown) => {
      this.failed(err, queue);
    });
    this.queues.set(queue, next);
  }

  /** Like run, once for every request of `key` made before the task starts. */
  coalesce(queue: string, key: string, task: () => Promise<void>): void {
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.run(queue, async () => {
      this.pending.delete(key);
      await task();
    });
  }
}
