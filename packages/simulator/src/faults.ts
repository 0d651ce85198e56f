// Fault injection per operation, deterministic: every random draw comes from one seeded PRNG, so a
// test that sets the seed sees the same throttles in the same places on every run.

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

export class FaultInjector {
  #random: () => number;
  #byOperation = new Map<string, OperationFaults>();
  #failNext = new Map<string, { remaining: number; options: FailNextOptions }>();

  constructor(seed = 1) {
    this.#random = seededRandom(seed);
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

  clear(operation?: string): void {
    if (operation === undefined) {
      this.#byOperation.clear();
      this.#failNext.clear();
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
