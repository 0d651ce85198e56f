// `eks-warden digest`: the weekly digest's report for real accounts with the user's own credentials, read-only like
// `eks-warden scan` (same options, same reader: the caller's own account and the policy's member accounts in their
// read-only roles, listed as the sweep lists them; same EksCollector, same rules): every cluster collected and
// judged, then the same report the deployed digest builds (core/digest), printed as text, JSON or the HTML page.
// Read-only, so there is no stored last week to compare with: the report is a baseline (no "changes" section).
// Exit codes as scan: 0, 1 a FAIL or an ERROR at or above --fail-on (ERRORs pass with --allow-errors), 2 bad usage, 3 internal error, 4 part could not be read.
import { printHelp } from "../output/wrap.ts";
import { buildDigest } from "@eks-warden/core/digest";
import { digestHtml, digestSummary, digestText } from "@eks-warden/core/voice";
import { AccountUnreachable, readsFor } from "@eks-warden/core";
import { inPool, sweptCluster, type SweptCluster } from "@eks-warden/core/sweep";
import { gateUsage, readPolicyOption, type Command } from "./command.ts";
import { fleetExitCode, judgeCluster, openFleetReader, parseScanOptions, problemScope, type ScanOptions } from "./scan.ts";

const FORMATS = ["text", "json", "html"] as const;
type Format = (typeof FORMATS)[number];

const usage = `Usage: eks-warden digest [options]

The weekly digest's report for the EKS clusters your credentials can see, read-only (the calls of \`eks-warden scan\`):
clusters most urgent first (unsupported, then the worst severity, then days to the end of support), each with its version,
support window and extended-support cost, node groups and add-ons behind, open endpoint findings and exemptions
ending within 14 days. Read-only, there is no last week to compare with: the deployed digest does that.

Options:
  --region REGION       a region to read (repeatable); default: the policy's regions, else your configured region
  --profile NAME        the AWS profile to use
  --endpoint-url URL    send EKS and SSM calls here instead of AWS (e.g. the simulator of \`eks-warden serve\`)
  --policy FILE         deployment policy (JSON): version windows, exemptions, pricing, member accounts to read
                        (policy.accounts[] with a roleArn: assumed with your credentials, read-only)
  --format FORMAT       text (as the e-mail reads), json (the full report) or html (one self-contained page) (default: text)
${gateUsage(24)}
  --concurrency N       clusters collected at once (default: 4)
  -h, --help            show this help

Exit codes: 0 nothing at or above --fail-on; 1 a FAIL or an ERROR at or above it; 2 bad usage or input; 3 internal error;
4 part of the fleet could not be read (the report's "could not read" section names it: a region, a cluster, or a
member account whose role cannot be assumed).`;

function progress(text: string): void {
  process.stderr.write(`eks-warden digest: ${text}\n`);
}

export async function digestReport(options: ScanOptions<Format>, now = new Date()) {
  const policy = await readPolicyOption(options.policy);
  const reader = await openFleetReader(options, policy, "digest");
  const reads = readsFor(options.rules);
  try {
    const listing = await reader.list((outcome, error) => {
      if (outcome.problem === undefined || error === undefined) return;
      if (outcome.account !== undefined && error instanceof AccountUnreachable) progress(`account ${outcome.account}: cannot be read: ${outcome.problem}`);
      else progress(`${problemScope(reader.members, outcome)}: cannot list clusters: ${outcome.problem}`);
    });
    const refs = listing.clusters;
    const swept: SweptCluster[] = new Array<SweptCluster>(refs.length);
    await inPool(refs, options.concurrency, async (ref, index) => {
      const judged = await judgeCluster(reader, ref, { policy, rules: options.rules, reads, now });
      if ("problem" in judged) {
        progress(`${problemScope(reader.members, ref)}: cannot be read: ${judged.problem}`);
        swept[index] = { ref, status: "unreadable", findings: [], problem: judged.problem };
      } else {
        swept[index] = sweptCluster(ref, "evaluated", judged.findings, judged.collected);
      }
    });
    const accounts = reader.members.length > 0 ? ` of ${reader.members.length + 1} accounts` : "";
    progress(`${refs.length} cluster${refs.length === 1 ? "" : "s"}${accounts} in ${reader.regions.length} region${reader.regions.length === 1 ? "" : "s"}`);
    const sweep = { startedAt: now, endedAt: new Date(), regions: listing.regions, clusters: swept, closed: [], alertsPublished: 0, unreachableAccounts: listing.unreachableAccounts };
    const { report } = buildDigest({ sweep, policy, now });
    // An unreadable region, cluster or member account is in "could not read".
    return { report, exitCode: fleetExitCode("digest", report.headline.couldNotRead > 0, swept.flatMap((entry) => entry.findings), options.gate) };
  } finally {
    reader.destroy();
  }
}

export const command: Command = {
  usage,
  async run(argv) {
    const options = parseScanOptions(argv, FORMATS, "text");
    if (options === "help") {
      printHelp(usage);
      return 0;
    }
    const { report, exitCode } = await digestReport(options);
    if (options.format === "json") process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (options.format === "html") process.stdout.write(digestHtml(report));
    else process.stdout.write(digestText(digestSummary(report, Number.MAX_SAFE_INTEGER)));
    return exitCode;
  },
};
