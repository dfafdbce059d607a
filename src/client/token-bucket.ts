// A token bucket in the style of golang.org/x/time/rate: `qps` tokens a second, at most `burst` saved up.
// reserve() always succeeds and returns how long the caller must wait before acting; debt carries over
// (tokens may go negative), so N concurrent callers are spaced 1/qps apart.
import type { Clock } from './clock';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`token bucket needs qps > 0 and burst >= 1 (got qps=${qps}, burst=${burst})`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes one token; returns the delay in ms before its use is allowed (0 when one was available). */
  reserve(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  /** Waits for a token (returns early if signal aborts). */
  async wait(signal?: AbortSignal): Promise<void> {
    const d = this.reserve();
    if (d > 0) await this.clock.sleep(d, signal);
  }
}
