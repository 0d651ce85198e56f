// Evaluation throughput: normalise + evaluate every rule over a fleet of clusters, the work the daily sweep and the
// weekly digest do per cluster once the AWS reads are in. Built from the shared real recordings, renamed per cluster.
import { readFileSync, readdirSync } from "node:fs";
import { evaluate, defaultPolicy, normaliseCluster, normaliseVersionCatalogue } from "@eks-warden/core";
import { median } from "./stats.ts";

const FIXTURES = new URL("../test/fixtures/eks/", import.meta.url);

function recording(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8"));
}

export interface EvaluationFigures {
  readonly clusters: number;
  readonly findings: number;
  readonly clustersPerSecondMedian: number;
  readonly msPerClusterMedian: number;
  readonly runsMs: readonly number[];
}

export function measureEvaluation(clusters = 2000, runs = 7): EvaluationFigures {
  const templates = readdirSync(FIXTURES)
    .filter((name) => name.startsWith("DescribeCluster.") && !name.includes("no-endpoint-fields"))
    .map((name) => (recording(name) as { data: { cluster: Record<string, unknown> } }).data.cluster);
  const versions = normaliseVersionCatalogue(recording("DescribeClusterVersions.json"));
  const policy = defaultPolicy();
  const now = new Date("2026-11-29T00:00:00Z");
  const inputs = Array.from({ length: clusters }, (_, index) => {
    const template = templates[index % templates.length]!;
    const name = `bench-${index}`;
    return { cluster: { ...template, name, arn: `arn:aws:eks:eu-west-1:111122223333:cluster/${name}` } };
  });
  let findings = 0;
  const runsMs: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    findings = 0;
    const started = performance.now();
    for (const input of inputs) findings += evaluate(normaliseCluster(input), policy, { now, versions }).length;
    runsMs.push(performance.now() - started);
  }
  const medianMs = median(runsMs);
  return { clusters, findings, clustersPerSecondMedian: Math.round((clusters / medianMs) * 1000), msPerClusterMedian: medianMs / clusters, runsMs };
}
