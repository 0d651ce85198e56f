// `eks-warden scan`: a read-only audit of real clusters with the user's own credentials, through the same collector
// (core/aws/eks.ts), listing (core/sweep listFleet) and rules as the deployed monitor: the caller's own account and
// each member account the policy gives a roleArn, read in that read-only role. The report goes to stdout, written as
// it is serialised (never the whole fleet's JSON in one string); what could not be read and the summary line to
// stderr; progress (clusters listed, each cluster judged) to stderr only when it is a terminal, for a person watching.
// Exit codes (for CI): 0 nothing at or above --fail-on; 1 a FAIL (or, unless --allow-errors, an ERROR) at or above
// it; 2 bad usage or input;
// 3 an internal error; 4 AWS could not be read (credentials, permissions, throttling, network), the report then
// lists what could not be scanned. 4 wins over 1: an incomplete scan must not pass for a complete one.
import { printHelp } from "../output/wrap.ts";
import { readFileSync } from "node:fs";
import { ClusterInventory, EksCollector, missingProfile, policyAccountCredentials, StsIdentity } from "@eks-warden/core/aws";
import { evaluate, type Gate, AccountUnreachable, WardenError, readsFor, ruleById, rules, regionProblem } from "@eks-warden/core";
import type { ClusterIdentity, DataKind, Finding, Policy, Rule } from "@eks-warden/core";
import { contextOf, type CollectedCluster } from "@eks-warden/core/pipeline";
import { reportHtml, scanPage } from "@eks-warden/core/voice";
import { AdaptiveConcurrency, DEFAULT_THROTTLE_RETRY, describeRate, inAdaptivePool, listFleet, retryThrottled, type FleetListing, type RegionOutcome } from "@eks-warden/core/sweep";
import { paletteFor } from "../output/colour.ts";
import { scanJsonChunks, scanTableChunks, summaryLine, type ScanReport } from "../output/scan-report.ts";
import { streamedSarif, type ScannedCluster, type ScanProblem } from "../output/sarif.ts";
import { jsonChunks, StreamedArray, writeChunks } from "../output/json-stream.ts";
import { asffFinding, productFor, recordOfEvaluation, type AsffFinding } from "@eks-warden/core/securityhub";
import { choiceOption, CliInputError, GATE_OPTIONS, gateExitCode, gateOption, gateUsage, oneLine, parseCommandLine, readPolicyOption, type Command } from "./command.ts";

export const SCAN_EXIT = { ok: 0, failing: 1, usage: 2, internal: 3, aws: 4 } as const;

const usage = `Usage: eks-warden scan [options]

Audits the EKS clusters your credentials can see, read-only, against every rule (or the --rule ones), reading only
the data those rules judge: ListClusters, DescribeCluster, and as the rules need them ListNodegroups, DescribeNodegroup,
ListAddons, DescribeAddon, DescribeAddonVersions, ListInsights, DescribeInsight (of the insights in ERROR or
WARNING), DescribeClusterVersions, ssm:GetParameters (public AMI release parameters); sts:GetCallerIdentity.
With --policy naming member accounts (policy.accounts[] with a roleArn), each is read too, through sts:AssumeRole
into its read-only role (with its externalId, or the value of its externalIdParameter, read with ssm:GetParameter)
using your credentials; a role that cannot be assumed is reported.

Options:
  --rule ID             run only this rule (repeatable, or comma-separated): ${rules.map((rule) => rule.id).join(", ")}
  --region REGION       a region to scan (repeatable); default: the policy's regions, else your configured region
  --profile NAME        the AWS profile to use (default: the SDK's usual chain: AWS_PROFILE, environment, role)
  --endpoint-url URL    send EKS and SSM calls here instead of AWS (e.g. the simulator of \`eks-warden serve\`)
  --policy FILE         policy to judge by (and member accounts to read): warden.config.json, or a bare policy
                        (JSON); default: the default policy
  --format FORMAT       table, json, sarif (SARIF 2.1.0 for GitHub code scanning), html (one self-contained page
                        to open in a browser: findings sortable and filterable) or asff (the findings as AWS
                        Security Hub takes them: aws securityhub batch-import-findings --findings file://F, at
                        most 100 a call; for your own account's default product in the first region scanned,
                        or policy.securityHub's) (default: table)
${gateUsage(24)}
  --concurrency N       clusters collected at once at most (default: 4); halved while EKS throttles, then
                        raised again one at a time
  -h, --help            show this help

Exit codes: 0 nothing at or above --fail-on; 1 a FAIL or an ERROR at or above it; 2 bad usage or input; 3 internal error;
4 part of the scan failed on AWS errors (credentials, permissions, throttling, network, a member account's role
that cannot be assumed): see stderr and the report.`;

const FORMATS = ["table", "json", "sarif", "html", "asff"] as const;
type Format = (typeof FORMATS)[number];

export interface ScanOptions<F extends string = Format> {
  readonly regions: readonly string[];
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly policy?: string;
  readonly format: F;
  readonly gate: Gate;
  readonly concurrency: number;
  /** The rules to run, in registry order. */
  readonly rules: readonly Rule[];
}
type Options = ScanOptions;

/** scan's options (and `digest`'s, with its own formats): regions, profile, endpoint, policy, format, fail-on, concurrency. */
export function parseScanOptions<F extends string>(argv: readonly string[], formats: readonly F[], defaultFormat: F): ScanOptions<F> | "help" {
  const parsed = parseCommandLine(argv, {
    region: { type: "string", multiple: true },
    profile: { type: "string" },
    "endpoint-url": { type: "string" },
    policy: { type: "string" },
    format: { type: "string" },
    ...GATE_OPTIONS,
    concurrency: { type: "string" },
    rule: { type: "string", multiple: true },
  });
  if (parsed === "help") return "help";
  const { values } = parsed;
  const format = choiceOption("--format", values.format, formats, defaultFormat);
  const gate = gateOption(values);
  const regions = [...new Set(values.region ?? [])];
  for (const region of regions) {
    const problem = regionProblem(region);
    if (problem) throw new CliInputError(`--region ${problem}`);
  }
  if (values["endpoint-url"] !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(values["endpoint-url"]);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new CliInputError(`--endpoint-url ${JSON.stringify(values["endpoint-url"])}: expected an http(s) URL such as http://127.0.0.1:4510`);
    }
  }
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new CliInputError(`--concurrency ${JSON.stringify(values.concurrency)}: expected a whole number from 1 to 32`);
  }
  return {
    regions,
    rules: selectedRules(values.rule),
    ...(values.profile !== undefined && { profile: values.profile }),
    ...(values["endpoint-url"] !== undefined && { endpointUrl: values["endpoint-url"] }),
    ...(values.policy !== undefined && { policy: values.policy }),
    format,
    gate,
    concurrency,
  };
}

/** The rules named by --rule (repeatable, comma-separated), in registry order; every rule when none is named. */
export function selectedRules(values: readonly string[] | undefined): Rule[] {
  const ids = (values ?? []).flatMap((value) => value.split(",")).map((id) => id.trim()).filter((id) => id !== "");
  if (ids.length === 0) return [...rules];
  const unknown = ids.filter((id) => ruleById(id) === undefined);
  if (unknown.length > 0) {
    throw new CliInputError(`--rule ${unknown.map((id) => JSON.stringify(id)).join(", ")}: no such rule; the rules are ${rules.map((rule) => rule.id).join(", ")}`);
  }
  return rules.filter((rule) => ids.includes(rule.id));
}

/** --region, else the policy's regions, else the region the SDK is configured with; none at all is a usage error. */
export async function regionsToRead(options: Pick<ScanOptions<string>, "regions">, policy: Policy, sts: Pick<StsIdentity, "defaultRegion">, verb: string): Promise<readonly string[]> {
  if (options.regions.length > 0) return options.regions;
  if (policy.regions.length > 0) return policy.regions;
  const configured = await sts.defaultRegion();
  if (!configured) throw new CliInputError(`no region to ${verb}: pass --region REGION (repeatable), list regions in --policy, or configure one (AWS_REGION or the profile's region)`);
  return [configured];
}

/**
 * What AWS failures (CredentialsMissing, AccessDenied, Throttled, ServiceUnavailable, AccountUnreachable) and data EKS
 * returned that cannot be read (SnapshotError) become: a line of the report. Anything else is a bug and is thrown
 * again (exit 3).
 */
export function awsProblem(error: unknown): string {
  if (error instanceof WardenError) return oneLine(error);
  throw error;
}

/** Scan's and digest's exit code: any part of the fleet left unread is unknown, never PASS, so 4 wins over 1 and 0. */
export function fleetExitCode(command: string, unread: boolean, findings: readonly Finding[], gate: Gate): number {
  return unread ? SCAN_EXIT.aws : gateExitCode(command, findings, gate) === 1 ? SCAN_EXIT.failing : SCAN_EXIT.ok;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One cluster collected (only the data the rules read) and judged, or the AWS failure that kept it unread (bugs
 * thrown). A cluster still throttled after the SDK's retries is read again after a wait (2 s, then 4 s), as the
 * sweep does; what still fails is a problem of the report, never a PASS.
 */
export async function judgeCluster(
  reader: FleetReader,
  ref: ClusterIdentity,
  judging: { readonly policy: Policy; readonly rules: readonly Rule[]; readonly reads: ReadonlySet<DataKind>; readonly now: Date },
  retry: { readonly sleep?: (ms: number) => Promise<void>; readonly onBackoff?: (attempt: number, waitMs: number) => void } = {},
): Promise<{ readonly collected: CollectedCluster; readonly findings: Finding[] } | { readonly problem: string }> {
  try {
    const collected = await retryThrottled(() => reader.collector.collect(ref, judging.reads), { ...DEFAULT_THROTTLE_RETRY, sleep: retry.sleep ?? sleep, ...(retry.onBackoff && { onBackoff: retry.onBackoff }) });
    return { collected, findings: evaluate(collected.snapshot, judging.policy, contextOf(collected, judging.now), judging.rules) };
  } catch (error) {
    return { problem: awsProblem(error) };
  }
}

/** What scan and digest read with, and where: the adapters of the deployed functions, with the user's credentials. */
export interface FleetReader {
  readonly regions: readonly string[];
  /** The policy's member accounts (policy.accounts[] with a roleArn), read besides the caller's own. */
  readonly members: readonly string[];
  readonly collector: EksCollector;
  readonly inventory: ClusterInventory;
  /** ListClusters of every account x region (listFleet, as the sweep lists), AWS failures reported, bugs thrown. */
  list(onRegion: (outcome: RegionOutcome, error?: unknown) => void): Promise<FleetListing>;
  destroy(): void;
}

/**
 * The user's credentials (--profile) for STS and, at --endpoint-url, EKS and SSM; each member account of the policy
 * in its read-only role, assumed with those credentials, as the deployed functions build it (policyAccountCredentials):
 * never the remediation role, as scan and digest only read. No member account: the caller's own account alone.
 */
export async function openFleetReader(options: ScanOptions<string>, policy: Policy, command: "scan" | "digest" | "check"): Promise<FleetReader> {
  if (options.profile !== undefined) {
    const problem = await missingProfile(options.profile);
    if (problem) throw new CliInputError(`--profile: ${problem}`);
  }
  const clientConfig = { ...(options.profile !== undefined && { profile: options.profile }) };
  const eksConfig = { ...clientConfig, ...(options.endpointUrl !== undefined && { endpoint: options.endpointUrl }) };
  const sts = new StsIdentity({ clientConfig });
  const regions = await regionsToRead(options, policy, sts, command === "scan" ? "scan" : "read");
  // The session name is what CloudTrail records in the member account; any region's STS endpoint issues the session.
  const accounts = policyAccountCredentials(policy, { remediation: false, sessionName: `eks-warden-${command}`, region: regions[0]!, clientConfig });
  // One EKS adapter for listing and collecting: one client per region (and per member account).
  const collector = new EksCollector({ clientConfig: eksConfig, ssmClientConfig: eksConfig, accounts });
  const inventory = new ClusterInventory({ eks: collector, sts });
  return {
    regions,
    members: accounts.members,
    collector,
    inventory,
    list: (onRegion) => listFleet(inventory, { regions, accounts: accounts.members, describeProblem: awsProblem, onRegion }),
    destroy() {
      collector.destroy();
      accounts.destroy();
    },
  };
}

/**
 * Where a problem was, as scan's report and both commands' progress name it: the region (and cluster) of the
 * caller's own account as before, a member account's prefixed with its id.
 */
export function problemScope(members: readonly string[], where: { readonly account?: string | undefined; readonly region: string; readonly name?: string }): string {
  const account = where.account !== undefined && members.includes(where.account) ? `${where.account}/` : "";
  return `${account}${where.region}${where.name !== undefined ? `/${where.name}` : ""}`;
}

/** The one line a member account whose role cannot be assumed gets, whatever its number of regions. */
export function unreachableScope(account: string): string {
  return `account ${account} (every region)`;
}

function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

function warn(text: string): void {
  process.stderr.write(`eks-warden scan: ${text}\n`);
}

/**
 * Where progress lines go: stderr when it is a terminal (someone is watching a long scan), nowhere when it is piped or
 * redirected (a CI log or a file gets the report, the problems and the summary, not a line per cluster).
 */
export function progressTo(stream: { readonly isTTY?: boolean; write(text: string): unknown }): ((text: string) => void) | undefined {
  return stream.isTTY === true ? (text) => void stream.write(`eks-warden scan: ${text}\n`) : undefined;
}

export interface ScanOutcome {
  readonly report: ScanReport;
  readonly exitCode: number;
}

export async function scan(options: Options, progress = progressTo(process.stderr)): Promise<ScanOutcome> {
  const startedAt = new Date();
  const policy = await readPolicyOption(options.policy);
  const reader = await openFleetReader(options, policy, "scan");
  const reads = readsFor(options.rules);
  const problems: ScanProblem[] = [];
  const scanned: ScannedCluster[] = [];
  // Every EKS attempt (ListClusters included) feeds the concurrency: halved on throttling, raised on success.
  const concurrency = new AdaptiveConcurrency(options.concurrency);
  const stopObserving = reader.collector.observeAttempts(concurrency);
  const readStarted = performance.now();
  try {
    const listing = await reader.list((outcome, error) => {
      const scope = problemScope(reader.members, outcome);
      if (outcome.problem === undefined) {
        progress?.(`${scope}: ${outcome.clusters} cluster${outcome.clusters === 1 ? "" : "s"}`);
      } else if (outcome.account !== undefined && error instanceof AccountUnreachable) {
        warn(`account ${outcome.account}: cannot be read: ${outcome.problem}`);
        problems.push({ scope: unreachableScope(outcome.account), message: outcome.problem });
      } else if (error !== undefined) {
        // (Without an error: another region of an account already reported as unreachable.)
        warn(`${scope}: cannot list clusters: ${outcome.problem}`);
        problems.push({ scope, message: outcome.problem });
      }
    });
    const refs = listing.clusters;

    let done = 0;
    const results: (ScannedCluster | undefined)[] = new Array<ScannedCluster | undefined>(refs.length).fill(undefined);
    await inAdaptivePool(refs, concurrency, async (ref, index) => {
      const judged = await judgeCluster(reader, ref, { policy, rules: options.rules, reads, now: new Date() }, {
        onBackoff: (attempt, waitMs) => progress?.(`${problemScope(reader.members, ref)}: still throttled after the SDK's retries; reading it again in ${waitMs / 1000} s (attempt ${attempt + 1})`),
      });
      done += 1;
      if ("problem" in judged) {
        const scope = problemScope(reader.members, ref);
        warn(`[${done}/${refs.length}] ${scope}: cannot be read: ${judged.problem}`);
        problems.push({ scope, message: judged.problem });
        return;
      }
      const { findings } = judged;
      results[index] = { cluster: { arn: ref.arn, account: ref.account, region: ref.region, name: ref.name }, findings };
      if (progress) {
        const failing = findings.filter((finding) => finding.status === "FAIL").length;
        progress(`[${done}/${refs.length}] ${problemScope(reader.members, ref)}: ${failing === 0 ? "no FAIL" : `${failing} FAIL`}`);
      }
    });
    for (const result of results) if (result) scanned.push(result);
    // The rate is the run's summary, not progress: said on stderr also when it is piped (a CI log, the latency bench).
    warn(describeRate(concurrency.stats(), performance.now() - readStarted));

    const report: ScanReport = { ...(listing.ownAccount && { account: listing.ownAccount }), memberAccounts: reader.members, regions: reader.regions, startedAt, clusters: scanned, problems };
    return { report, exitCode: fleetExitCode("scan", problems.length > 0, scanned.flatMap((entry) => entry.findings), options.gate) };
  } finally {
    stopObserving();
    reader.destroy();
  }
}

/**
 * Every finding of the scan in ASFF, with the Id the deployed monitor gives it (an import updates the same finding),
 * for the caller's account (Security Hub takes a default product's findings only from the account they name).
 */
async function asffOf(report: ScanReport, options: Options): Promise<Iterable<AsffFinding>> {
  const account = report.account;
  const home = report.regions[0];
  if (account === undefined || home === undefined) return [];
  const policy = await readPolicyOption(options.policy);
  const at = new Date();
  // Made as they are written: the fleet's findings in ASFF are never all held at once.
  return (function* () {
    for (const { cluster, findings } of report.clusters) {
      const product = productFor(cluster, { account, home, regions: policy.securityHub.regions });
      for (const finding of findings) yield asffFinding(recordOfEvaluation(finding, at), ruleById(finding.ruleId), product, cluster);
    }
  })();
}

export const command: Command = {
  usage,
  async run(argv) {
    const options = parseScanOptions(argv, FORMATS, "table");
    if (options === "help") {
      printHelp(usage);
      return 0;
    }
    const { report, exitCode } = await scan(options);
    const out = process.stdout;
    if (options.format === "table") await writeChunks(out, scanTableChunks(report, paletteFor(out)));
    else if (options.format === "json") await writeChunks(out, scanJsonChunks(report));
    else if (options.format === "asff") await writeChunks(out, jsonChunks(new StreamedArray(await asffOf(report, options))));
    else if (options.format === "html") out.write(reportHtml(scanPage({ generatedAt: report.startedAt, summary: [summaryLine(report)], clusters: report.clusters, problems: report.problems })));
    else {
      const sarif = streamedSarif({ rules: options.rules, clusters: report.clusters, problems: report.problems, toolVersion: toolVersion(), startedAt: report.startedAt, endedAt: new Date() });
      await writeChunks(out, jsonChunks(sarif));
    }
    if (options.format !== "table") warn(summaryLine(report));
    return exitCode;
  },
};
