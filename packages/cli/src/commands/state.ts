// `eks-warden state`: the findings the running local system (`eks-warden serve`, `npm start`) has stored, read from its
// DynamoDB table through the state store the handlers write with. The local system leaves a note of where it answers
// in its run folder (TMPDIR/eks-warden/<pid>-...); with no live one, one line says so and the exit code is 3.
import { SEVERITIES, oneLine as clean, type StoredRuleState } from "@eks-warden/core";
import { DynamoStateStore } from "@eks-warden/core/aws";
import { runningSystems } from "@eks-warden/local/run-folder";
import { FAKE_CREDENTIALS } from "@eks-warden/simulator/embedded/credentials";
import { printHelp } from "../output/wrap.ts";
import { choiceOption, parseCommandLine, type Command } from "./command.ts";

const usage = `Usage: eks-warden state [--format table|json]

Lists the findings the running local system (\`eks-warden serve\` or \`npm start\`) has stored: one line per cluster
and rule with its status, severity and since when, worst first within each cluster. Closed records (a deleted
cluster) are left out.

Options:
  --format FORMAT     table (default) or json (one object per finding)
  -h, --help          show this help

Exit codes: 0 listed; 2 bad usage; 3 no local system is running, or its table could not be read.`;

const FORMATS = ["table", "json"] as const;

interface Row {
  readonly cluster: string;
  readonly region: string;
  readonly account: string;
  readonly rule: string;
  readonly status: string;
  readonly severity: string;
  readonly since: string;
}

function rowOf(record: StoredRuleState): Row {
  const [, , , region = "", account = "", resource = ""] = record.clusterArn.split(":");
  return {
    cluster: clean(resource.replace(/^cluster\//, ""), 100),
    region: clean(region, 32),
    account: clean(account, 12),
    rule: record.ruleId,
    status: record.status,
    severity: record.severity,
    since: record.since,
  };
}

/** Clusters by name and region; within one, the failing first, the worst severity first, then by rule. */
function ordered(rows: Row[]): Row[] {
  const failing = (row: Row) => (row.status === "FAIL" ? 0 : row.status === "ERROR" ? 1 : 2);
  return rows.sort(
    (left, right) =>
      left.cluster.localeCompare(right.cluster) ||
      left.region.localeCompare(right.region) ||
      failing(left) - failing(right) ||
      SEVERITIES.indexOf(left.severity as (typeof SEVERITIES)[number]) - SEVERITIES.indexOf(right.severity as (typeof SEVERITIES)[number]) ||
      left.rule.localeCompare(right.rule),
  );
}

function table(rows: readonly Row[]): string {
  const header: Row = { cluster: "CLUSTER", region: "REGION", account: "ACCOUNT", rule: "RULE", status: "STATUS", severity: "SEVERITY", since: "SINCE" };
  const columns = ["cluster", "region", "rule", "status", "severity", "since"] as const;
  const widths = Object.fromEntries(columns.map((column) => [column, Math.max(...[header, ...rows].map((row) => row[column].length))])) as Record<(typeof columns)[number], number>;
  return [header, ...rows].map((row) => columns.map((column) => row[column].padEnd(widths[column])).join("  ").trimEnd()).join("\n");
}

export const command: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandLine(argv, { format: { type: "string" } });
    if (parsed === "help") {
      printHelp(usage);
      return 0;
    }
    const format = choiceOption("--format", parsed.values.format, FORMATS, "table");
    const [system] = runningSystems();
    if (system === undefined) {
      process.stderr.write("eks-warden state: no local system is running; start one with `eks-warden serve` (or `npm start`) and ask again while it runs\n");
      return 3;
    }
    const store = new DynamoStateStore({ tableName: system.tableName, clientConfig: { endpoint: system.dynamodb, region: system.region, credentials: FAKE_CREDENTIALS, maxAttempts: 2 } });
    let records: StoredRuleState[];
    try {
      records = [];
      for (const cluster of await store.openClusters()) records.push(...(await store.readState(cluster.arn)).filter((record) => !record.closed));
    } catch (error) {
      process.stderr.write(`eks-warden state: the local system's table (${system.tableName} on ${system.dynamodb}, process ${system.pid}) could not be read: ${clean(error instanceof Error ? error.message : String(error), 300)}\n`);
      return 3;
    }
    const rows = ordered(records.map(rowOf));
    if (format === "json") process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(`${rows.length === 0 ? "no findings stored yet" : table(rows)}\n`);
    return 0;
  },
};
