// Reading the version catalogue (DescribeClusterVersions) against the evaluation clock. The catalogue's own
// versionStatus is only as fresh as the read, so the support dates decide whenever they exist.

import type { ClusterVersionInfo, VersionCatalogue } from "../../model.ts";

export type SupportStatus = ClusterVersionInfo["status"];

export interface MinorVersion {
  readonly major: number;
  readonly minor: number;
}

const DAY_MS = 86_400_000;

/** "1.30" (or "1.30.4") -> { major: 1, minor: 30 }; undefined for anything else. */
export function parseMinorVersion(text: string): MinorVersion | undefined {
  const match = /^v?(\d{1,4})\.(\d{1,4})(?:\.\d+)?$/.exec(text.trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

export function compareMinorVersions(left: MinorVersion, right: MinorVersion): number {
  return left.major - right.major || left.minor - right.minor;
}

export function formatMinorVersion(version: MinorVersion): string {
  return `${version.major}.${version.minor}`;
}

/** The catalogue entry for a cluster version, matched on major.minor so "1.30.4" finds "1.30". */
export function findVersion(catalogue: VersionCatalogue, wanted: MinorVersion): ClusterVersionInfo | undefined {
  return catalogue.versions.find((entry) => {
    const parsed = parseMinorVersion(entry.version);
    return parsed !== undefined && compareMinorVersions(parsed, wanted) === 0;
  });
}

/** The support status at `now`: from the support end dates where the catalogue has them, else its versionStatus. */
export function supportStatusAt(info: ClusterVersionInfo, now: Date): SupportStatus {
  const time = now.getTime();
  if (info.endOfExtendedSupportDate !== undefined && time >= info.endOfExtendedSupportDate.getTime()) return "UNSUPPORTED";
  if (info.endOfStandardSupportDate !== undefined) {
    if (time < info.endOfStandardSupportDate.getTime()) return "STANDARD_SUPPORT";
    // Standard support is over; with no extended end date, only the catalogue can say whether extended support remains.
    return info.endOfExtendedSupportDate === undefined && info.status === "UNSUPPORTED" ? "UNSUPPORTED" : "EXTENDED_SUPPORT";
  }
  return info.status;
}

/** Whole days from `now` until `date` (negative once it has passed), rounded towards the past. */
export function daysUntil(date: Date | undefined, now: Date): number | undefined {
  if (date === undefined) return undefined;
  return Math.floor((date.getTime() - now.getTime()) / DAY_MS);
}

/** True when `date` is at most `days` days after `now` (including when it has already passed). */
export function withinDays(date: Date, now: Date, days: number): boolean {
  return date.getTime() - now.getTime() <= days * DAY_MS;
}

/** The newest version that is in standard support at `now`, or undefined when none is. */
export function newestInStandardSupport(catalogue: VersionCatalogue, now: Date): { info: ClusterVersionInfo; version: MinorVersion } | undefined {
  let newest: { info: ClusterVersionInfo; version: MinorVersion } | undefined;
  for (const info of catalogue.versions) {
    const version = parseMinorVersion(info.version);
    if (version === undefined || supportStatusAt(info, now) !== "STANDARD_SUPPORT") continue;
    if (info.releaseDate !== undefined && info.releaseDate.getTime() > now.getTime()) continue;
    if (newest === undefined || compareMinorVersions(version, newest.version) > 0) newest = { info, version };
  }
  return newest;
}

/** The next minor version: EKS upgrades the control plane one minor version at a time. */
export function nextMinorVersion(version: string): string | undefined {
  const parsed = parseMinorVersion(version);
  return parsed === undefined ? undefined : formatMinorVersion({ major: parsed.major, minor: parsed.minor + 1 });
}

/** `YYYY-MM-DD` of a date, for evidence. */
export function isoDay(date: Date | undefined): string | undefined {
  return date === undefined ? undefined : date.toISOString().slice(0, 10);
}
