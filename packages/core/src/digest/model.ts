// The weekly digest's memory (docs/design.md, Data flow 8): the snapshot kept per ISO week to compare the next week
// with, and where the stores put it and the full report. What the report says is voice/digest-report.ts.

import type { Severity } from "../model.ts";
import type { DigestWeekCounts } from "../voice/digest-report.ts";

/** One cluster as the digest remembers it for next week's comparison. */
export interface DigestSnapshotCluster {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly version?: string;
  /** ruleId -> severity of every FAIL. */
  readonly failing: Readonly<Record<string, Severity>>;
}

/** pk DIGEST, sk WEEK#<iso week> in the state table. */
export interface DigestSnapshot {
  readonly week: string;
  readonly generatedAt: string;
  readonly clusters: Readonly<Record<string, DigestSnapshotCluster>>;
}

export interface DigestSnapshotStore {
  /** The newest snapshot of a week before `week`. */
  previousDigest(week: string): Promise<DigestSnapshot | undefined>;
  saveDigest(snapshot: DigestSnapshot): Promise<void>;
  /** The weeks' counts stored before `week`, at most `weeks` of them, oldest first (the report's history chart). */
  digestHistory(week: string, weeks: number): Promise<DigestWeekCounts[]>;
  /** Keeps a week's counts (one small record per week: a re-run that week replaces it). */
  saveDigestCounts(counts: DigestWeekCounts): Promise<void>;
}

/** Where the full report goes (S3ReportStore): returns the object's s3:// URI. */
export interface ReportStore {
  put(key: string, body: string, contentType: string): Promise<string>;
}
