// Fault injection per operation, deterministic: every random draw comes from one seeded PRNG, so a
// test that sets the seed sees the same throttles in the same places on every run. Two layers: per-operation faults
// set from code (set, failNext), and the plan of a fleet's `faults` section (fault-plan.ts, docs/faults.md) for
// every EKS call, with EKS's own throttling as a token bucket per account and region.

import type { EksFaultPlan, FaultPlan } from "./fault-plan.ts";

export interface OperationFaults {
  /** Added to every call of the operation, in real milliseconds (the SDK waits on real sockets). */
  readonly latencyMs?: number;
  /** 0..1: share of calls answered with a throttling error. */
  readonly throttleRate?: number;
  /** Which throttling error: EKS's ThrottlingException, or TooManyRequestsException as DescribeCluster also returns. */
  readonly throttleError?: "ThrottlingException" | "TooManyRequestsException";
  /** 0..1: share of calls answered with a server error (500, or 503 when serverErrorStatus says so). */
  readonly serverErrorRate?: number;
  readonly serverErrorStatus?: 500 | 503;
}

export type InjectedFault =
  | { readonly kind: "throttle"; readonly errorType: string }
  | { readonly kind: "server"; readonly status: 500 | 503 }
  | { readonly kind: "error"; readonly errorType: string; readonly status: number; readonly message: string };

export interface FailNextOptions {
  /** Error type on the wire; default ServerException (500). */
  readonly errorType?: string;
  readonly status?: number;
  readonly message?: string;
}

/** mulberry32: tiny, fast, and good enough to spread faults; not for cryptography. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkRate(operation: string, field: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) {
    throw new RangeError(`faults.set("${operation}"): ${field} must be between 0 and 1, got ${value}`);
  }
}

/**
 * Token buckets on real time (the SDK waits on real sockets, whatever the virtual clock says), one per key: each
 * holds up to `burst` tokens, refilled at `perSecond`; a call takes one, or is refused when none is left.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly perSecond: number;
  readonly burst: number;
  readonly #now: () => number;

  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.#now = now;
  }

  /** Takes a token from the key's bucket; false when it is empty (the call is throttled). */
  take(key: string): boolean {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** What the plan's faults did so far, by kind: rate-limited (the token bucket), throttled and failed at random, spikes. */
export interface InjectedCounts {
  rateLimited: number;
  throttled: number;
  serverErrors: number;
  latencySpikes: number;
}

export class FaultInjector {
  #random: () => number;
  #byOperation = new Map<string, OperationFaults>();
  #failNext = new Map<string, { remaining: number; options: FailNextOptions }>();
  #eks: EksFaultPlan | undefined;
  #buckets: TokenBuckets | undefined;
  #waitScale = 1;
  #counts: InjectedCounts = { rateLimited: 0, throttled: 0, serverErrors: 0, latencySpikes: 0 };

  constructor(seed = 1) {
    this.#random = seededRandom(seed);
  }

  /**
   * Applies a fleet's `faults` section (validated: validateFaultPlan): its seed restarts the random stream, its `eks`
   * plan replaces the current one (absent: no EKS plan), and so does its waitScale (absent: 1). Buckets start full.
   */
  apply(plan: FaultPlan): void {
    if (plan.seed !== undefined) this.seed(plan.seed);
    this.#eks = plan.eks;
    this.#waitScale = plan.waitScale ?? 1;
    this.#buckets = plan.eks?.rateLimit ? new TokenBuckets(plan.eks.rateLimit.perSecond, plan.eks.rateLimit.burst) : undefined;
  }

  /** The EKS plan in force, if any. */
  get eksPlan(): EksFaultPlan | undefined {
    return this.#eks;
  }

  /** How many faults the plan injected since the start (or the last clear()). */
  injected(): Readonly<InjectedCounts> {
    return { ...this.#counts };
  }

  /**
   * Real milliseconds one EKS call waits: the operation's own latency, else the plan's, plus a spike when one is
   * drawn; times the plan's waitScale (the spike is drawn and counted all the same).
   */
  eksLatency(operation: string): number {
    const own = this.#byOperation.get(operation)?.latencyMs ?? this.#byOperation.get("*")?.latencyMs;
    const plan = this.#eks;
    let latency = own ?? plan?.latencyMs ?? 0;
    if (plan?.latencySpikes && plan.latencySpikes.rate > 0 && this.#random() < plan.latencySpikes.rate) {
      this.#counts.latencySpikes += 1;
      latency += plan.latencySpikes.ms;
    }
    return latency * this.#waitScale;
  }

  /**
   * Decides, for one EKS call, whether it fails: the operation's own faults first (fail-next, set), then the plan:
   * the account and region's token bucket (`bucketKey`), then its random throttles and server errors.
   */
  drawEks(operation: string, bucketKey: string): InjectedFault | undefined {
    const own = this.draw(operation);
    if (own) return own;
    const plan = this.#eks;
    if (!plan) return undefined;
    if (this.#buckets && !this.#buckets.take(bucketKey)) {
      this.#counts.rateLimited += 1;
      return { kind: "throttle", errorType: "ThrottlingException" };
    }
    if (plan.throttleRate + plan.errorRate <= 0) return undefined;
    // One draw for both, so each rate is the share of all calls it names (the validator keeps their sum <= 1).
    const draw = this.#random();
    if (draw < plan.throttleRate) {
      this.#counts.throttled += 1;
      return { kind: "throttle", errorType: "ThrottlingException" };
    }
    if (draw < plan.throttleRate + plan.errorRate) {
      this.#counts.serverErrors += 1;
      return { kind: "server", status: 500 };
    }
    return undefined;
  }

  /** Restarts the random sequence: the same seed gives the same faults in the same order. */
  seed(seed: number): void {
    this.#random = seededRandom(seed);
  }

  /** Sets the faults of one operation ("*" for every operation), replacing earlier ones. */
  set(operation: string, faults: OperationFaults): void {
    checkRate(operation, "throttleRate", faults.throttleRate);
    checkRate(operation, "serverErrorRate", faults.serverErrorRate);
    if (faults.latencyMs !== undefined && !(faults.latencyMs >= 0)) {
      throw new RangeError(`faults.set("${operation}"): latencyMs must be >= 0, got ${faults.latencyMs}`);
    }
    this.#byOperation.set(operation, faults);
  }

  /** The next `count` calls of the operation ("*" for any) fail with the given error. */
  failNext(operation: string, count: number, options: FailNextOptions = {}): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`faults.failNext("${operation}"): count must be an integer >= 0, got ${count}`);
    this.#failNext.set(operation, { remaining: count, options });
  }

  /** Without an operation: every fault, the fleet's plan included, and the injected counts. */
  clear(operation?: string): void {
    if (operation === undefined) {
      this.#byOperation.clear();
      this.#failNext.clear();
      this.#eks = undefined;
      this.#buckets = undefined;
      this.#waitScale = 1;
      this.#counts = { rateLimited: 0, throttled: 0, serverErrors: 0, latencySpikes: 0 };
    } else {
      this.#byOperation.delete(operation);
      this.#failNext.delete(operation);
    }
  }

  latencyFor(operation: string): number {
    return this.#byOperation.get(operation)?.latencyMs ?? this.#byOperation.get("*")?.latencyMs ?? 0;
  }

  /** Decides, for one call, whether it fails and how. Consumes "fail next" budgets before random draws. */
  draw(operation: string): InjectedFault | undefined {
    for (const key of [operation, "*"]) {
      const pending = this.#failNext.get(key);
      if (pending && pending.remaining > 0) {
        pending.remaining -= 1;
        const errorType = pending.options.errorType ?? "ServerException";
        return {
          kind: "error",
          errorType,
          status: pending.options.status ?? (errorType === "ServerException" ? 500 : 400),
          message: pending.options.message ?? "Injected failure",
        };
      }
    }
    const faults = this.#byOperation.get(operation) ?? this.#byOperation.get("*");
    if (!faults) return undefined;
    if (faults.throttleRate && this.#random() < faults.throttleRate) {
      return { kind: "throttle", errorType: faults.throttleError ?? "ThrottlingException" };
    }
    if (faults.serverErrorRate && this.#random() < faults.serverErrorRate) {
      return { kind: "server", status: faults.serverErrorStatus ?? 500 };
    }
    return undefined;
  }
}

/** Per-operation call counters, counting every request that reached the simulator, faulted or not. */
export class CallCounter {
  #counts = new Map<string, number>();
  #byCaller = new Map<string, number>();

  /** Counts a call; `caller` (the identity ARN that signed it) is counted separately as well. */
  record(operation: string, caller?: string): void {
    this.#counts.set(operation, (this.#counts.get(operation) ?? 0) + 1);
    if (caller !== undefined) this.#byCaller.set(`${operation} ${caller}`, (this.#byCaller.get(`${operation} ${caller}`) ?? 0) + 1);
  }

  /** Calls of `operation` signed by the identity `callerArn` (e.g. the monitor's UpdateClusterConfig calls). */
  byCaller(operation: string, callerArn: string): number {
    return this.#byCaller.get(`${operation} ${callerArn}`) ?? 0;
  }

  get(operation: string): number {
    return this.#counts.get(operation) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const count of this.#counts.values()) sum += count;
    return sum;
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  reset(): void {
    this.#counts.clear();
    this.#byCaller.clear();
  }
}
