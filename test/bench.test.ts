// A smoke run of the benchmarks (bench/), so they keep working, asserting what is deterministic: bundle sizes, AWS
// calls per event, the EKS calls of a scan, and a scan's CPU per cluster as a ratio to its floor measured in the same
// run. Import times are too noisy for CI: `npm run bench` prints them beside their targets.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundles, buildFloors, deployedTargetBytes, EVENT_PATH_HANDLERS, HANDLER_FILES, ownCodeBytes, sdkBytes, sdkPackages, startClients, type HandlerFile } from "../bench/bundles.ts";
import { CALL_TARGETS, measureCallsPerEvent } from "../bench/calls.ts";
import { BUILT_MAIN, builtCommand, measureCli, staticClosure } from "../bench/cli.ts";
import { EKS_RATE_LIMIT, measureLatencyScan } from "../bench/latency.ts";
import { measureFloorCalls, measureScan, measureScanCpu, SCAN_CPU_TARGETS } from "../bench/scan.ts";

/**
 * Ceilings on what each handler's bundle holds, about 10 KiB above the figures when set, so that no more than that
 * gets in unnoticed (import times are too noisy for CI: `npm run bench -- bundles` prints them against the target,
 * 1.15x the SDK clients a handler loads at start). Issue 23's targets (bench/bundles.ts) are 600 KiB deployed on the
 * event path and 800 KiB elsewhere, and 100 KiB of own code on a cold import; the figures when set (docs/benchmarks.md):
 *
 * - deployed (the entry and every chunk): cluster-event 889, settle 891, dead-letter 591, tamper 583, sweep 871,
 *   digest 1,042 KiB. The SDK alone is 633 KiB of the event path's (over its 600 KiB target: the test below fails
 *   when that changes), 633 of the sweep's and 772 of the digest's: Security Hub's client is 168 KiB (the whole ASFF
 *   schema), SSM's 84. The old single ceiling was 900 KiB for cluster-event and settle; the others had none.
 * - a cold import (the entry and its static chunks): cluster-event 536, settle 538, sweep 519, digest 717 KiB, and
 *   dead-letter 62, tamper 54 KiB, down from 187 and 179 when the environment credential provider stopped pulling
 *   ~125 KiB of the SDK into every cold start (aws/client-config.ts), and the sweep's from 687 when only the digest
 *   wired the S3 client. The old ceiling was 548 KiB for cluster-event and settle.
 * - own code on a cold import (everything but the SDK: core, zod 36-40 KiB, Powertools and middy ~43 KiB):
 *   cluster-event 245, settle 247, sweep 228, digest 257, dead-letter 58, tamper 50 KiB.
 * - then the access rules (issue 19: four rules, their shared lib, the access-entry normaliser and collector reads,
 *   parsers and alert wording) came onto every judging handler's cold path: the rule registry is synchronous by design
 *   (evaluate, affected-rules and the sweep judge every rule they are given), so a lazy rule would make every caller
 *   async. With them and this round's other code (the governed override, adaptive concurrency, the self-audit), the
 *   figures are (deployed / cold import / own code, KiB): cluster-event 926 / 571 / 279, settle 919 / 564 / 272,
 *   dead-letter 593 / 62 / 58, tamper 787 / 70 / 66 (the self-audit's five clients are deployed with it alone: they
 *   are exported apart, @eks-warden/core/aws/self-audit), sweep 899 / 544 / 253, digest 1,072 / 745 / 284. The
 *   ceilings are ~10 KiB above them.
 * - issue 23's round on the handlers' own code changed none of these sizes (deferring the alert wording and the
 *   Security Hub mapping cut own code by 20-26 KiB but made the import no faster and the deployed files larger:
 *   docs/benchmarks.md, "Measured and not kept"), so the ceilings stay.
 */
const CEILINGS: Readonly<Record<HandlerFile, { deployed: number; coldImport: number; ownCode: number }>> = {
  "cluster-event": { deployed: 936, coldImport: 580, ownCode: 288 },
  settle: { deployed: 928, coldImport: 574, ownCode: 282 },
  "dead-letter": { deployed: 600, coldImport: 72, ownCode: 68 },
  tamper: { deployed: 798, coldImport: 80, ownCode: 76 },
  sweep: { deployed: 910, coldImport: 554, ownCode: 262 },
  digest: { deployed: 1082, coldImport: 754, ownCode: 294 },
};

/** The SDK clients each handler loads at its cold start (its start floor); every other client its adapters load on first use. */
const START_CLIENTS: Readonly<Record<HandlerFile, readonly string[]>> = {
  "cluster-event": ["@aws-sdk/client-dynamodb", "@aws-sdk/client-eks"],
  settle: ["@aws-sdk/client-dynamodb", "@aws-sdk/client-eks"],
  // Their only client, SNS (and the dead letter's archive, SQS), loads on the first alert.
  "dead-letter": [],
  tamper: [],
  // The sweep writes no report: the S3 client is the digest's alone.
  sweep: ["@aws-sdk/client-dynamodb", "@aws-sdk/client-eks"],
  digest: ["@aws-sdk/client-dynamodb", "@aws-sdk/client-eks", "@aws-sdk/client-s3"],
};

/**
 * `scan --rule endpoint-public-access`'s CPU per cluster beyond start-up, at most this many times its floor's (the
 * same EKS calls through the raw SDK client, measured the same way back to back: bench/scan.ts measureScanCpu), on
 * SCAN_CPU_SMOKE_CLUSTERS clusters. Measured at 1.29-1.30x on 5,000 clusters (three runs of `npm run bench -- scan`,
 * 2026-12-08, load ~3; every rule 1.33-1.37x: docs/benchmarks.md), 1.97-2.43x in the first round (the CLI then run
 * through tsx, at a load of ~30); 2x holds the scan's own work (normalising, rules, output) to at most what the SDK
 * spends on its calls, with room for a busy machine.
 */
const SCAN_CPU_RATIO_CEILING = 2;
const SCAN_CPU_SMOKE_CLUSTERS = 1000;

/** The SDK clients only some events or runs call: their adapters load them on first use, never at a cold start. */
const DEFERRED_CLIENTS = ["@aws-sdk/client-sns", "@aws-sdk/client-sqs", "@aws-sdk/client-ssm", "@aws-sdk/client-sts", "@aws-sdk/client-securityhub"];

describe("benchmarks (smoke)", () => {
  const outDir = mkdtempSync(join(tmpdir(), "warden-bench-test-"));
  // Inside the repository, so that the floors' SDK packages resolve from its node_modules.
  const cache = fileURLToPath(new URL("../node_modules/.cache/", import.meta.url));
  mkdirSync(cache, { recursive: true });
  const floorDir = mkdtempSync(join(cache, "warden-bench-floors-"));
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(floorDir, { recursive: true, force: true });
  });

  // The bundle tests read the same build.
  let handlerBundles: ReturnType<typeof buildBundles> | undefined;
  const bundlesBuiltOnce = () => (handlerBundles ??= buildBundles(outDir));

  it("builds every handler as SST deploys it, within its ceiling, without the SDK's default credential chain", async () => {
    const bundles = await bundlesBuiltOnce();
    expect(bundles.map((bundle) => bundle.handler)).toEqual([...HANDLER_FILES]);
    for (const bundle of bundles) {
      const ceiling = CEILINGS[bundle.handler as HandlerFile];
      expect(bundle.bytes, bundle.handler).toBeLessThanOrEqual(ceiling.deployed * 1024);
      expect(bundle.importBytes, bundle.handler).toBeLessThanOrEqual(ceiling.coldImport * 1024);
      const packages = bundle.contributors.map((item) => item.name);
      for (const unused of ["@aws-sdk/nested-clients", "@aws-sdk/credential-provider-ini", "@aws-sdk/credential-provider-sso", "@smithy/credential-provider-imds"]) {
        expect(packages).not.toContain(unused);
      }
      // Lambda provides Node's built-ins and nothing else: a package left outside the bundle (HANDLER_BUNDLING.external) must never be imported.
      expect(bundle.externals.filter((specifier) => !specifier.startsWith("node:")), bundle.handler).toEqual([]);
    }
  }, 180_000);

  it("loads at a cold start only the SDK clients every invocation calls, and deploys the ones it loads on first use", async () => {
    for (const bundle of await bundlesBuiltOnce()) {
      expect(startClients(bundle), bundle.handler).toEqual(START_CLIENTS[bundle.handler as HandlerFile]);
      const coldImport = bundle.importContributors.map((item) => item.name);
      for (const deferred of DEFERRED_CLIENTS) expect(coldImport, `${bundle.handler} loads ${deferred} at its cold start`).not.toContain(deferred);
      // The handlers that start with no client still publish their alerts through SNS.
      for (const deferred of START_CLIENTS[bundle.handler as HandlerFile].length === 0 ? ["@aws-sdk/client-sns"] : DEFERRED_CLIENTS) {
        expect(bundle.contributors.map((item) => item.name), `${bundle.handler} deploys ${deferred}`).toContain(deferred);
      }
    }
  }, 180_000);

  it("keeps the judging code out of the cold start of the handlers that judge nothing (dead-letter, tamper)", async () => {
    // A dynamic import() in a file they reach (runtime.ts, say) makes esbuild share what that chunk needs with them and
    // load it at their start: measured, deferring the Security Hub mapping from runtime.ts took dead-letter's own code
    // from 60 to 124 KiB (the rules). docs/benchmarks.md, "Measured and not kept".
    const coldImport = new Map((await bundlesBuiltOnce()).map((bundle) => [bundle.handler as HandlerFile, bundle.importContributors.map((item) => item.name)]));
    for (const handler of ["dead-letter", "tamper"] as const) {
      for (const unused of ["packages/core/src/rules", "packages/core/src/pipeline", "packages/core/src/securityhub"]) expect(coldImport.get(handler), `${handler} reads ${unused} at its cold start`).not.toContain(unused);
    }
  }, 180_000);

  it("keeps each handler's own code on a cold import within its ceiling; the SDK alone is over the event path's 600 KiB target", async () => {
    const bundles = await bundlesBuiltOnce();
    const floors = await buildFloors(floorDir, bundles.map(startClients));
    // A floor is the SDK clients alone: of ours, only its own entry and the credential alias (lambda-credentials.ts), under 1 KiB.
    for (const floor of floors) expect(ownCodeBytes(floor.contributors, sdkPackages(floors)), floor.handler).toBeLessThan(1024);
    const sdk = sdkPackages(floors);
    for (const bundle of bundles) {
      expect(ownCodeBytes(bundle.importContributors, sdk), bundle.handler).toBeLessThanOrEqual(CEILINGS[bundle.handler as HandlerFile].ownCode * 1024);
    }
    // If this fails, the SDK shrank: the 600 KiB target is within reach, revisit docs/benchmarks.md and lower the ceilings.
    for (const bundle of bundles.filter((item) => EVENT_PATH_HANDLERS.includes(item.handler as HandlerFile))) {
      expect(sdkBytes(bundle.contributors, sdk), bundle.handler).toBeGreaterThan(deployedTargetBytes(bundle.handler));
    }
  }, 180_000);

  it("makes at most the target's AWS calls per event, every read included", async () => {
    const figures = await measureCallsPerEvent();
    const targeted = figures.filter((figure) => figure.target !== undefined);
    expect(targeted.map((figure) => figure.target)).toEqual([CALL_TARGETS.tagResource, CALL_TARGETS.openEndpoint, CALL_TARGETS.settle, CALL_TARGETS.accessGrant]);
    for (const figure of targeted) expect(figure.total, figure.scenario).toBeLessThanOrEqual(figure.target!);
    // A tag EKS Warden does not read: the cluster rules alone, so no node-group, add-on or insight reads.
    expect(Object.keys(targeted[0]?.calls ?? {}).sort()).toEqual(["dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems", "eks:DescribeCluster"]);
    // Exactly one state read and one transaction on each path; one Publish and one SendMessage for the opening.
    for (const figure of targeted) expect(figure.calls).toMatchObject({ "dynamodb:Query": 1, "dynamodb:TransactWriteItems": 1 });
    expect(targeted[1]?.calls).toMatchObject({ "sns:Publish": 1, "sqs:SendMessage": 1 });
    // An access grant reads the access entries alone (no node groups, add-ons, insights, identity providers, catalogue),
    // publishes its alert and deletes its outbox entry: each call once.
    expect(targeted[3]?.calls).toEqual({
      "dynamodb:PutItem": 1,
      "eks:DescribeCluster": 1,
      "eks:ListAccessEntries": 1,
      "eks:DescribeAccessEntry": 1,
      "eks:ListAssociatedAccessPolicies": 1,
      "dynamodb:Query": 1,
      "dynamodb:TransactWriteItems": 1,
      "sns:Publish": 1,
      "dynamodb:DeleteItem": 1,
    });
  }, 120_000);

  it("scans with the EKS calls the rules need: DescribeInsight only for the insights in ERROR or WARNING", async () => {
    // 30 clusters of the bench's fleet (bench/scan.ts measures 300): 4 insights each, one failing on 2 clusters in 3.
    const [everyRule, endpointOnly, accessOnly] = await measureScan(30, 1);
    expect(everyRule?.eksCalls).toEqual({
      DescribeAddon: 120,
      DescribeAddonVersions: 16,
      DescribeCluster: 30,
      DescribeClusterVersions: 1,
      DescribeInsight: 20,
      DescribeNodegroup: 60,
      ListAddons: 30,
      // The bench's clusters are on access entries (authenticationMode API, test/support/fleets.ts): the access rules
      // list their entries (none, so no DescribeAccessEntry) and their identity providers, one call each per cluster.
      ListAccessEntries: 30,
      ListClusters: 1,
      ListIdentityProviderConfigs: 30,
      ListInsights: 30,
      ListNodegroups: 30,
    });
    expect(endpointOnly?.eksCalls).toEqual({ DescribeCluster: 30, ListClusters: 1 });
    // The cluster-admin rule reads the cluster record and the access entries alone (the fleet's clusters have none).
    expect(accessOnly?.eksCalls).toEqual({ DescribeCluster: 30, ListAccessEntries: 30, ListClusters: 1 });
    // The CPU floor (bench/scan-floor.ts) makes the scan's calls per cluster; only the catalogues, read once per
    // region and add-on (not per cluster), are the scan's alone.
    const { DescribeAddonVersions: _addonCatalogue, DescribeClusterVersions: _versionCatalogue, ...perCluster } = everyRule!.eksCalls;
    expect(await measureFloorCalls(30, "every")).toEqual(perCluster);
    expect(await measureFloorCalls(30, "endpoint")).toEqual(endpointOnly?.eksCalls);
  }, 180_000);

  it("runs the latency bench's throttled scan: every call answered in the end, the throttles retried, the rate said", async () => {
    // 30 clusters (the bench measures 150) under EKS's throttling at 40 ms a call; the timings are `npm run bench`'s.
    const figure = await measureLatencyScan(30, true);
    expect(figure.calls - figure.throttles).toBe(31);
    expect(figure.rateFloorMs).toBe(((31 - EKS_RATE_LIMIT.burst) / EKS_RATE_LIMIT.perSecond) * 1000);
    expect(figure.perSecond).toBeGreaterThan(0);
    if (figure.throttles > 0) expect(figure.lowest).toBeLessThan(figure.concurrency);
  }, 60_000);

  it("scans at most a set multiple of its floor's CPU per cluster (the raw SDK making the same calls)", async () => {
    const [endpointOnly] = await measureScanCpu([SCAN_CPU_TARGETS[0]], 1, SCAN_CPU_SMOKE_CLUSTERS);
    expect(endpointOnly?.clusters).toBe(SCAN_CPU_SMOKE_CLUSTERS);
    expect(endpointOnly!.floorMsMedian).toBeGreaterThan(0);
    expect(endpointOnly!.ratioMedian, JSON.stringify(endpointOnly)).toBeLessThanOrEqual(SCAN_CPU_RATIO_CEILING);
  }, 600_000);
});

/**
 * The CLI's start-up (bench/cli.ts; `npm run bench -- cli`): `--help` reads main.js and errors.js, 7 KiB of the
 * CLI's own code, and nothing from node_modules; a scan reads its own build, the EKS client bundled in, and none of the
 * clients only other commands call. Deterministic, so exact; the timings beside them are ceilings above the figures
 * of docs/benchmarks.md (--help 1.39x-1.45x node -e 0, scan's start-up 2.59x-2.68x --help, at load average ~20), with
 * room for a busier machine: the targets, 3x, and 4.5x (the 1.5x target is below the SDK clients' own floor, 2.1x-2.3x).
 */
const HELP_CLOSURE_BUDGET_BYTES = 12 * 1024;
const HELP_RATIO_CEILING = 3;
const SCAN_START_OVER_HELP_CEILING = 4.5;

describe("the CLI's start-up (smoke)", () => {
  it("--help and --version load main.js and errors.js only: no command, no package from node_modules", () => {
    const closure = staticClosure([BUILT_MAIN]);
    expect(closure.files).toEqual(["packages/cli/dist/main.js", "packages/cli/dist/errors.js"]);
    expect(closure.bytes).toBeLessThanOrEqual(HELP_CLOSURE_BUDGET_BYTES);
    expect(closure.external).toEqual(["node:fs"]);
    expect(closure.sources.every((source) => source.startsWith("packages/cli/src/"))).toBe(true);
  });

  it("scan loads the EKS client bundled into its own build, and none of the clients only other commands call", () => {
    const closure = staticClosure([BUILT_MAIN, builtCommand("scan")]);
    expect(closure.files.every((file) => file.startsWith("packages/cli/dist/main.js") || file.startsWith("packages/cli/dist/errors.js") || file.startsWith("packages/cli/dist/commands/scan/"))).toBe(true);
    expect(closure.external.filter((specifier) => specifier.includes("@aws-sdk"))).toEqual([]);
    const clients = [...new Set(closure.sources.flatMap((source) => /node_modules\/@aws-sdk\/(client-[a-z-]+)\//.exec(source)?.[1] ?? []))];
    expect(clients).toEqual(["client-eks"]);
    // Not loaded before --policy asks for the deployment file: zod's full API (its schema), the local system, the CDK.
    expect(closure.sources.filter((source) => /stacks\/|packages\/local\/|packages\/simulator\/|aws-cdk-lib/.test(source))).toEqual([]);
  });

  it(`--help within ${HELP_RATIO_CEILING}x node -e 0 and scan's start-up within ${SCAN_START_OVER_HELP_CEILING}x --help (medians of 5 interleaved runs)`, async () => {
    const figures = await measureCli(5);
    expect(figures.help.ratio).toBeLessThanOrEqual(HELP_RATIO_CEILING);
    expect(figures.scanStartOverHelp).toBeLessThanOrEqual(SCAN_START_OVER_HELP_CEILING);
  }, 300_000);
});
