import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Paces requests to a CRM under its rolling-window limit (HubSpot: 100 to 250
 * requests per rolling 10 seconds; Salesforce: concurrency and daily calls),
 * so a sync runs near the allowed rate without being refused. The limit is
 * learnt from the answers' rate-limit headers; `marginMs` widens the window a
 * little, as the server counts arrivals and we count departures.
 */
export class RateWindow {
  private readonly sent: number[] = [];
  private pausedUntil = 0;

  constructor(
    private max: number,
    private intervalMs: number,
    private readonly marginMs = 150,
  ) {}

  /** Waits until one more request fits in the window, and counts it. */
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.intervalMs - this.marginMs) this.sent.shift();
      if (now >= this.pausedUntil && this.sent.length < this.max) {
        this.sent.push(now);
        return;
      }
      const until = Math.max(this.pausedUntil, this.sent.length >= this.max ? this.sent[0]! + this.intervalMs + this.marginMs : 0);
      await sleep(Math.max(1, until - now));
    }
  }

  /**
   * What the server said its limit is (X-HubSpot-RateLimit-Max, -Interval-Milliseconds) and how much of it is left
   * (-Remaining): when the server counts more than we sent in the window (other clients on the same account, answers
   * arriving late), the difference is counted as sent now, so the next requests wait for it.
   */
  learn(limit: { max: number; intervalMs: number; remaining?: number }): void {
    if (limit.max > 0) this.max = limit.max;
    if (limit.intervalMs > 0) this.intervalMs = limit.intervalMs;
    if (limit.remaining === undefined || !(limit.remaining >= 0)) return;
    const now = Date.now();
    while (this.sent.length > 0 && this.sent[0]! <= now - this.intervalMs - this.marginMs) this.sent.shift();
    for (let used = this.max - limit.remaining; this.sent.length < used; ) this.sent.push(now);
  }

  /** Sends nothing before `ms` from now (a Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  get limit(): { max: number; intervalMs: number } {
    return { max: this.max, intervalMs: this.intervalMs };
  }
}
