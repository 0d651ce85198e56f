// What every handler needs at its cold start, kept apart from runtime.ts (the pipeline's wiring): dead-letter and
// tamper import only this, so their bundles reach neither the pipeline's adapters nor the chunks runtime.ts loads on
// demand (esbuild shares, and loads at start, whatever an entry reaches that a deferred chunk also needs).

import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { WardenError } from "@eks-warden/core";
import { FUNCTION_ENV, METRICS_NAMESPACE } from "@eks-warden/core/deployment";

/** A missing or invalid setting of the environment the stack gives a function. */
export class ConfigurationError extends WardenError {}

export function telemetry(serviceName: string): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName });
  // Metrics' own warnings (an invocation that ends without a metric) go through the structured logger, at its level,
  // not to the console as bare text.
  return { logger, metrics: new Metrics({ namespace: process.env[FUNCTION_ENV.metricsNamespace] ?? METRICS_NAMESPACE, serviceName, logger }) };
}
