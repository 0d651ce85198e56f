// The SDK's standard retry strategy with every backoff multiplied by a scale: the local system's waits in simulated
// time (client-config.ts, LOCAL_WAIT_SCALE). Imported only when the scale is set: the SDK's retry module is not part
// of a handler's cold start otherwise (test/bench.test.ts holds the dead-letter handler's cold import to 72 KiB).
import { StandardRetryStrategy } from "@smithy/util-retry";

/** The standard strategy (its attempts, its retry quota, its error classes) with every backoff multiplied by `scale`. */
export class ScaledRetryStrategy extends StandardRetryStrategy {
  constructor(
    maxAttempts: number,
    readonly scale: number,
  ) {
    super({ maxAttempts });
    const backoff = this.retryBackoffStrategy;
    const unscaled = backoff.computeNextBackoffDelay.bind(backoff);
    backoff.computeNextBackoffDelay = (attempt) => Math.floor(unscaled(attempt) * scale);
  }
}
