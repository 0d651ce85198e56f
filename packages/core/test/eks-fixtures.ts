// The EKS recordings (test/fixtures/eks, Cloud Custodian's placebo format) and ways to turn them into the
// other forms users hold: the wire JSON that the SDK and the AWS CLI read, with epoch-second timestamps.
import { readdirSync, readFileSync } from "node:fs";
import { fixturePath } from "../../../test/fixtures/index.ts";


export function eksFixtureNames(): string[] {
  return readdirSync(fixturePath("eks")).filter((name) => name.endsWith(".json")).sort();
}

export function readEksFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath(`eks/${name}`), "utf8")) as Record<string, unknown>;
}

/** The boto3 response recorded in a fixture, without boto3's own ResponseMetadata. */
export function recordedResponse(name: string): Record<string, unknown> {
  const { ResponseMetadata: _metadata, ...response } = readEksFixture(name).data as Record<string, unknown>;
  return response;
}

function isRecordedDatetime(value: unknown): value is Record<string, number> {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>).__class__ === "datetime";
}

/**
 * The response as EKS sends it on the wire: timestamps as epoch seconds. Recorded datetimes carry no zone and are
 * read as UTC, as normaliseCluster reads them; ISO strings keep their zone.
 */
export function toWire(value: unknown): unknown {
  if (isRecordedDatetime(value)) {
    const { year, month, day, hour = 0, minute = 0, second = 0, microsecond = 0 } = value;
    return Date.UTC(year!, month! - 1, day, hour, minute, second, Math.floor(microsecond / 1000)) / 1000;
  }
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(value)) {
    return Date.parse(value) / 1000;
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toWire(inner)]));
  return value;
}
