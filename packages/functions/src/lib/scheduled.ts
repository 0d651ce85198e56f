// What a scheduled function returns (and logs): the counts of its sweep, so an operator (and the local run) sees at
// once what was read, what was not, and what was closed.
import type { SweepResult } from "@eks-warden/core/sweep";

export interface ScheduledRun {
  readonly regions: number;
  readonly unreadableRegions: number;
  /** Member accounts whose role could not be assumed (each also alerted). */
  readonly unreadableAccounts: number;
  readonly clusters: number;
  readonly unreadableClusters: number;
  readonly closed: number;
  readonly alertsPublished: number;
  readonly reportUri?: string;
  /**
   * The run's EKS calls (attempts, retries included), throttled ones, calls per second, the lowest concurrency and
   * the highest it came back to after that.
   */
  readonly eksCalls?: number;
  readonly eksThrottles?: number;
  readonly eksCallsPerSecond?: number;
  readonly concurrencyLowest?: number;
  readonly concurrencyRecoveredTo?: number;
}

export function scheduledSummary(result: SweepResult, reportUri?: string): ScheduledRun {
  return {
    regions: result.regions.length,
    unreadableRegions: result.regions.filter((region) => region.problem !== undefined).length,
    unreadableAccounts: result.unreachableAccounts.length,
    clusters: result.clusters.length,
    unreadableClusters: result.clusters.filter((cluster) => cluster.status === "unreadable").length,
    closed: result.closed.length,
    alertsPublished: result.alertsPublished,
    ...(reportUri ? { reportUri } : {}),
    ...(result.eksRate && { eksCalls: result.eksRate.calls, eksThrottles: result.eksRate.throttles, eksCallsPerSecond: result.eksRate.perSecond, concurrencyLowest: result.eksRate.lowest, concurrencyRecoveredTo: result.eksRate.recoveredTo }),
  };
}
