// @eks-warden/core/sweep: the daily re-evaluation of every cluster of every account and region.

export { type FleetListing, inPool, listFleet, type RegionOutcome, runSweep, type SweepDeps, type SweepResult, type SweptCluster, sweptCluster } from "./sweep.ts";
export { type CoverageRecord, type CoverageState, type CoverageStore, planCoverage } from "./coverage.ts";
export { AdaptiveConcurrency, type ConcurrencyStats, DEFAULT_THROTTLE_RETRY, describeRate, inAdaptivePool, retryThrottled, type ThrottleRetry } from "./adaptive-pool.ts";
