/**
 * Counts wrong tokens per client address in a sliding window. Once a client has failed `limit`
 * times within `windowMs`, every guarded request from it is refused until the window passes,
 * so the token cannot be guessed at line speed.
 */
export class FailureRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
    // Bounds memory when many addresses fail (one entry per address).
    private readonly maxClients = 10_000,
  ) {}

  private recent(client: string, now: number): number[] {
    const times = (this.failures.get(client) ?? []).filter((t) => now - t < this.windowMs);
    if (times.length === 0) this.failures.delete(client);
    else this.failures.set(client, times);
    return times;
  }

  /** Seconds until the client may try again, or 0 when it is not blocked. */
  retryAfterSeconds(client: string, now = Date.now()): number {
    const times = this.recent(client, now);
    if (times.length < this.limit) return 0;
    return Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000));
  }

  recordFailure(client: string, now = Date.now()): void {
    if (!this.failures.has(client) && this.failures.size >= this.maxClients) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(client, [...this.recent(client, now), now]);
  }
}
