/**
 * Bookkeeping that socket handlers start and nobody awaits (a disconnect updating
 * presence and lastSeenAt). Shutdown waits for it before the store closes, so closing
 * never interrupts a write half-way or logs a "client closed" error.
 */
export class PendingWork {
  private readonly tasks = new Set<Promise<unknown>>();

  track(task: Promise<unknown>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  async drain(): Promise<void> {
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
  }
}
