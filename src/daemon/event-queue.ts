/**
 * The daemon's event queue: what one instance reports (a transition, later a sync-group member leaving MASTER)
 * is handled after that instance has finished performing its actions, one event at a time and in order. So a
 * handler that forces another instance never re-enters an instance in the middle of its own `perform`, and an
 * event raised while handling one waits its turn.
 */
export class EventQueue {
  private readonly pending: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  push(handler: () => void): void {
    this.pending.push(handler);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    // Bounded: a handler that keeps pushing cannot hold the event loop for ever; the rest waits a turn.
    for (let i = 0; i < 10_000 && this.pending.length > 0; i++) {
      const handler = this.pending.shift() as () => void;
      try {
        handler();
      } catch (err) {
        this.onError(err);
      }
    }
    this.scheduled = false;
    if (this.pending.length > 0) this.push(() => undefined);
  }
}
