// Which member account x region the monitor can read, remembered in the state table, so the coverage alert is a
// transition as every other alert is: sent when an account is lost (its role cannot be assumed) and when it is
// regained, never again for a state already announced (the sweep runs daily and again inside the weekly digest).
// The digest's report still lists every current gap, from the sweep's result. The planning here is pure.

/** What the listing said of one account x region (sweep.ts's RegionOutcome). */
interface ListedRegion {
  readonly region: string;
  readonly account?: string;
  readonly problem?: string;
}

export type CoverageState = "covered" | "lost";

/** The stored coverage of one member account in one region. */
export interface CoverageRecord {
  readonly account: string;
  readonly region: string;
  readonly state: CoverageState;
  /** When this state was first seen (ISO). */
  readonly since: string;
  /** Why it is lost (state "lost"). */
  readonly problem?: string;
}

/** The state table's coverage records (DynamoStateStore implements it). */
export interface CoverageStore {
  readCoverage(): Promise<CoverageRecord[]>;
  /**
   * Replaces the record of `next.account` x `next.region` if its stored state is still `expected` (undefined: none
   * stored); `next` undefined deletes it. False when another run changed it first: that run announces the change.
   */
  changeCoverage(account: string, region: string, next: CoverageRecord | undefined, expected: CoverageState | undefined): Promise<boolean>;
}

/** One record to change, and the state it is expected to replace. */
export interface CoverageWrite {
  readonly record: CoverageRecord;
  readonly previous: CoverageRecord | undefined;
}

/** What one account's coverage did this run. */
export interface CoverageChange {
  readonly account: string;
  readonly to: CoverageState;
  readonly writes: readonly CoverageWrite[];
  /** Announced: the account was lost, or regained after a loss that was announced. */
  readonly announce: boolean;
}

const keyOf = (account: string, region: string): string => `${account}\n${region}`;

/**
 * The member accounts' coverage this run against what is stored: per account, the regions whose state changed. A
 * region of a reachable account that could not be listed (a regional failure, not the role) changes nothing here.
 */
export function planCoverage(stored: readonly CoverageRecord[], regions: readonly ListedRegion[], unreachable: readonly { readonly account: string; readonly problem: string }[], now: Date): CoverageChange[] {
  const known = new Map(stored.map((record) => [keyOf(record.account, record.region), record]));
  const lost = new Map(unreachable.map((account) => [account.account, account]));
  const byAccount = new Map<string, CoverageWrite[]>();
  for (const outcome of regions) {
    if (outcome.account === undefined) continue;
    const unreachableAccount = lost.get(outcome.account);
    const state: CoverageState | undefined = unreachableAccount ? "lost" : outcome.problem === undefined ? "covered" : undefined;
    if (state === undefined) continue;
    const previous = known.get(keyOf(outcome.account, outcome.region));
    if (previous?.state === state) continue;
    const record: CoverageRecord = { account: outcome.account, region: outcome.region, state, since: now.toISOString(), ...(unreachableAccount && { problem: unreachableAccount.problem }) };
    byAccount.set(outcome.account, [...(byAccount.get(outcome.account) ?? []), { record, previous }]);
  }
  const changes: CoverageChange[] = [];
  for (const [account, writes] of byAccount) {
    for (const to of ["lost", "covered"] as const) {
      const moving = writes.filter((write) => write.record.state === to);
      if (moving.length === 0) continue;
      // A first sighting of a readable account is no news; a readable one that was lost is.
      const announce = to === "lost" || moving.some((write) => write.previous?.state === "lost");
      changes.push({ account, to, writes: moving, announce });
    }
  }
  return changes;
}
