// The Security Hub export's cost per 1,000 changed findings: BatchImportFindings calls and request bytes, counted at
// the wire (the real SDK client against the simulator, which validates and stores every finding), and the wall time
// (median of the runs). Two ways the findings arrive:
// - given to the adapter at once: it sends them 100 a call;
// - one changed finding per judgement (a cluster each), through the sweep (runSweep over 1,000 clusters, each with a
//   newly public endpoint, on the in-memory ports of the core tests): the sweep collects its judgements' exports and
//   imports them 100 a call at its end. Real time and settle still send each judgement's export at once.
// The floor, measured in the same runs: the same findings with only Security Hub's required fields.
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { startSimulator } from "@eks-warden/simulator/index";
import { SecurityHubImporter } from "../packages/core/src/aws/securityhub.ts";
import { ruleById } from "../packages/core/src/rules/index.ts";
import { SecurityHubExport } from "../packages/core/src/securityhub/export.ts";
import { runSweep } from "../packages/core/src/sweep/sweep.ts";
import { clusterRecord, MemoryCoverage, OPEN, world } from "../packages/core/test/pipeline/fakes.ts";
import { asffFinding, type AsffFinding } from "../packages/core/src/securityhub/finding.ts";
import type { StoredRuleState } from "../packages/core/src/state/transitions.ts";
import { median } from "./stats.ts";

export const CHANGED_FINDINGS = 1000;
/** Security Hub takes at most 100 findings a call: 1,000 changed findings in at most 10 calls. */
export const CALLS_TARGET = 10;
const ACCOUNT = "111122223333";
const RUNS = 3;

export interface SecurityHubFigure {
  readonly way: string;
  readonly calls: number;
  readonly bytes: number;
  readonly bytesPerFinding: number;
  /** Bytes per finding over the floor's (required fields only). */
  readonly bytesRatio: number;
  readonly wallMsRuns: readonly number[];
  readonly wallMsMedian: number;
}

function record(index: number): StoredRuleState {
  return {
    clusterArn: `arn:aws:eks:eu-west-1:444455556666:cluster/cluster-${String(index).padStart(4, "0")}`,
    ruleId: "endpoint-public-access",
    status: "FAIL",
    severity: "CRITICAL",
    message: `Cluster cluster-${index} (eu-west-1) has a public API endpoint open to 0.0.0.0/0.`,
    evidence: {},
    version: 2,
    since: "2026-01-05T10:00:00.000Z",
    observedAt: "2026-01-05T10:00:00.000Z",
    updatedAt: "2026-01-05T10:00:00.000Z",
  };
}

/** Only what Security Hub requires (and a severity and type, which it needs one way or the other). */
function minimal(finding: AsffFinding): Record<string, unknown> {
  const { SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, CreatedAt, UpdatedAt, Title, Description, Resources, Types, Severity } = finding;
  return { SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, CreatedAt, UpdatedAt, Title, Description, Resources: Resources.map(({ Type, Id: id }) => ({ Type, Id: id })), Types, Severity: { Label: Severity.Label } };
}

export async function measureSecurityHub(): Promise<{ figures: SecurityHubFigure[]; floorBytesPerFinding: number }> {
  const sim = await startSimulator({ fleet: { defaultAccount: ACCOUNT, clusters: [] } });
  const meter = { calls: 0, bytes: 0 };
  const clientFor = (region: string) => {
    const client = new SecurityHubClient({ endpoint: sim.url, region, credentials: { accessKeyId: "AKIABENCH00000000001", secretAccessKey: "secret" } });
    client.middlewareStack.add(
      (next) => async (args) => {
        const body = (args.request as { body?: unknown }).body;
        meter.calls += 1;
        if (typeof body === "string") meter.bytes += Buffer.byteLength(body);
        else if (body instanceof Uint8Array) meter.bytes += body.byteLength;
        else throw new Error(`bench: a request body of an unexpected kind (${typeof body}): its bytes cannot be counted`);
        return next(args);
      },
      { step: "finalizeRequest", name: "benchMeter" },
    );
    return client;
  };
  try {
    const product = { partition: "aws", region: "eu-west-1", account: ACCOUNT };
    const records = Array.from({ length: CHANGED_FINDINGS }, (_, index) => record(index));
    const findings = records.map((item) => asffFinding(item, ruleById(item.ruleId), product));
    const floorBytesPerFinding = Buffer.byteLength(JSON.stringify({ Findings: findings.map(minimal) })) / CHANGED_FINDINGS;
    const ways: { way: string; run: (importer: SecurityHubImporter) => Promise<void> }[] = [
      { way: `${CHANGED_FINDINGS} findings given to the adapter at once (its batches of 100)`, run: (importer) => importer.importFindings("eu-west-1", findings) },
      {
        way: `a sweep of ${CHANGED_FINDINGS} clusters, one changed finding each (the deployed sweep)`,
        run: async (importer) => {
          const rules = [ruleById("endpoint-public-access")!];
          const clusters = records.map((item) => ({ arn: item.clusterArn, account: "444455556666", region: "eu-west-1", name: item.clusterArn.split("/")[1]! }));
          const w = world();
          for (const cluster of clusters) w.eks.clusters.set(cluster.arn, clusterRecord(cluster, OPEN));
          const result = await runSweep(
            {
              ...w,
              coverage: new MemoryCoverage(),
              rules,
              deliverers: [new SecurityHubExport(importer, { account: ACCOUNT, home: "eu-west-1", regions: [] }, rules)],
              inventory: { clusters: async (region) => (region === "eu-west-1" ? clusters : []), account: async () => "444455556666" },
              stateIndex: { openClusters: async () => [] },
            },
            { regions: ["eu-west-1"] },
          );
          if (result.exports?.sent !== CHANGED_FINDINGS) throw new Error(`the sweep sent ${result.exports?.sent ?? 0} outbox entries' exports, expected ${CHANGED_FINDINGS}`);
        },
      },
    ];
    const figures: SecurityHubFigure[] = [];
    for (const { way, run } of ways) {
      const wallMsRuns: number[] = [];
      let counted = { calls: 0, bytes: 0 };
      for (let attempt = 0; attempt < RUNS; attempt += 1) {
        const importer = new SecurityHubImporter({ clientFor });
        meter.calls = 0;
        meter.bytes = 0;
        const started = performance.now();
        await run(importer);
        wallMsRuns.push(performance.now() - started);
        counted = { ...meter };
        importer.destroy();
      }
      if (sim.securityHub.findings("eu-west-1").length !== CHANGED_FINDINGS) throw new Error(`the simulator holds ${sim.securityHub.findings("eu-west-1").length} findings, expected ${CHANGED_FINDINGS}`);
      const bytesPerFinding = counted.bytes / CHANGED_FINDINGS;
      figures.push({ way, calls: counted.calls, bytes: counted.bytes, bytesPerFinding, bytesRatio: bytesPerFinding / floorBytesPerFinding, wallMsRuns, wallMsMedian: median(wallMsRuns) });
    }
    return { figures, floorBytesPerFinding };
  } finally {
    await sim.stop();
  }
}
