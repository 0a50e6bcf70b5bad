// A wall-clock wake-up that only ever moves earlier: arm(atMs) sets it unless one is already due
// at or before then, and it calls its callback once when due (disarmed first, so the callback may
// arm it again). Used by the router's network deliveries, the final reads and the recovery probes.
// Invariant: at most one timer is pending; clear() leaves none.

export class WakeTimer {
  private timer: NodeJS.Timeout | null = null;
  private atMs = Infinity;

  /** `now` reads the clock `atMs` is given in. */
  constructor(
    private readonly now: () => number,
    private readonly wake: () => void,
  ) {}

  arm(atMs: number): void {
    if (atMs >= this.atMs) return;
    this.clear();
    this.atMs = atMs;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.atMs = Infinity;
        this.wake();
      },
      Math.max(0, atMs - this.now()),
    );
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.atMs = Infinity;
  }
}
