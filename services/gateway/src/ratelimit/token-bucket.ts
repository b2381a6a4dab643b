/**
 * Token buckets per system: `ratePerS` tokens refill per second up to `burst`. One event costs one
 * token, so a batch of 500 costs 500. Per instance: with N gateway instances behind a balancer a
 * system gets up to N times the rate, which is acceptable for protection against runaway clients
 * (the goal), not for billing.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `cost` tokens; returns 0 when allowed, else the seconds to wait before retrying. */
  take(key: string, cost = 1): number {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerS);
    bucket.at = now;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return (Math.min(cost, this.burst) - bucket.tokens) / this.ratePerS;
  }
}
