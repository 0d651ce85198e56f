// The simulator's time: nothing moves until the caller advances it, so asynchronous EKS behaviour
// (an update that takes 10 minutes) can be tested in milliseconds and deterministically.

interface Timer {
  readonly at: number;
  readonly sequence: number;
  readonly run: () => void;
}

export class VirtualClock {
  #nowMs: number;
  #timers: Timer[] = [];
  #sequence = 0;

  constructor(start: Date) {
    if (Number.isNaN(start.getTime())) throw new RangeError(`VirtualClock: start time is not a valid date (${String(start)})`);
    this.#nowMs = start.getTime();
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  nowMs(): number {
    return this.#nowMs;
  }

  /** Runs `run` once the clock reaches `delayMs` from now; a zero delay runs on the next advance (even by 0). */
  schedule(delayMs: number, run: () => void): void {
    this.#timers.push({ at: this.#nowMs + Math.max(0, delayMs), sequence: this.#sequence++, run });
  }

  /** Moves time forward, firing due timers in time order, each seeing the clock at its own due time. */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock.advance: ms must be a finite number >= 0, got ${ms}`);
    return this.advanceTo(new Date(this.#nowMs + ms));
  }

  advanceTo(target: Date): Date {
    const targetMs = target.getTime();
    if (Number.isNaN(targetMs)) throw new RangeError("clock.advanceTo: target is not a valid date");
    if (targetMs < this.#nowMs) throw new RangeError(`clock.advanceTo: cannot go back in time from ${this.now().toISOString()} to ${target.toISOString()}`);
    for (;;) {
      const next = this.#nextDue(targetMs);
      if (!next) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#nowMs = Math.max(this.#nowMs, next.at);
      next.run();
    }
    this.#nowMs = targetMs;
    return this.now();
  }

  /** How many timers wait (updates in progress, delayed CloudTrail deliveries). */
  pending(): number {
    return this.#timers.length;
  }

  #nextDue(limitMs: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > limitMs) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.sequence < best.sequence)) best = timer;
    }
    return best;
  }
}
