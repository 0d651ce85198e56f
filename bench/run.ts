// `npm run bench`: every benchmark (or `npm run bench -- bundles|cli|evaluation|calls|event-path|scheduled|scan|check|latency|fuzz|securityhub|soak`), printed as JSON and as the Markdown table docs/benchmarks.md quotes.
// `npm run bench -- soak` (only when named: hours at the issue's size; SOAK_CALLS / SOAK_CLUSTERS scale it) runs the simulated week under faults.
// `npm run bench -- report-screenshot` (only when named: it writes docs/report.png) opens the browser report in Chromium.
// Run on an otherwise idle machine; the figures are medians (or exact counts) for that reason.
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { deployedTargetBytes, EVENT_PATH_HANDLERS, floorName, IMPORT_RATIO_TARGET, measureBundles, OWN_CODE_TARGET_BYTES } from "./bundles.ts";
import { measureCallsPerEvent, RULE_SCOPED_READS } from "./calls.ts";
import { CHECK_TARGET_MS, measureCheck } from "./check.ts";
import { HELP_RATIO_TARGET, measureCli, SCAN_START_RATIO_TARGET } from "./cli.ts";
import { measureEventPath } from "./event-path.ts";
import { measureEvaluation } from "./evaluation.ts";
import { BENCH_FUZZ_RUNS, measureFuzz } from "./fuzz.ts";
import { EKS_RATE_LIMIT, LATENCY_MS as EKS_LATENCY_MS, measureLatency, RATIO_TARGET } from "./latency.ts";
import { median } from "./stats.ts";
import { measureScan, measureScanCpu, SCAN_FLEET_CLUSTERS } from "./scan.ts";
import { LATENCY_MS, measureScheduled } from "./scheduled.ts";
import { CALLS_TARGET, CHANGED_FINDINGS, measureSecurityHub } from "./securityhub.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const only = new Set(process.argv.slice(2));
const wants = (name: string) => only.size === 0 || only.has(name);

if (wants("bundles")) {
  const { emptyMsMedian, bundles, floors } = await measureBundles();
  const kib = (bytes: number) => (bytes / 1024).toFixed(0);
  console.log(`## Lambda bundles (esbuild as SST v2 bundles ESM for nodejs22.x; import = fresh node process, median of ${bundles[0]?.importMsRuns.length} interleaved runs)\n`);
  console.log(`targets: import at most ${IMPORT_RATIO_TARGET}x the handler's start floor (the SDK clients its cold import reads, built alone, timed in the same runs); own code a cold import reads at most ${OWN_CODE_TARGET_BYTES / 1024} KiB; deployed at most ${deployedTargetBytes(EVENT_PATH_HANDLERS[0]!) / 1024} KiB on the event path, ${deployedTargetBytes("sweep") / 1024} KiB otherwise. Empty module: ${emptyMsMedian.toFixed(1)} ms in this run\n`);
  console.log("| handler | KiB deployed (target) | of which the SDK | KiB a cold import reads | of which own code (target) | gzip KiB | import ms (median) | x start floor (target) | x empty module |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const figure of bundles) {
    console.log(
      `| ${figure.handler} | ${kib(figure.bytes)} (<= ${deployedTargetBytes(figure.handler) / 1024}) | ${kib(figure.sdkDeployedBytes)} | ${kib(figure.importBytes)} | ${kib(figure.ownCodeImportBytes)} (<= ${OWN_CODE_TARGET_BYTES / 1024}) | ${kib(figure.gzipBytes)} | ${figure.importMsMedian.toFixed(0)} | ${figure.floorRatio.toFixed(2)}x (<= ${IMPORT_RATIO_TARGET}x) | ${figure.importRatio.toFixed(1)}x |`,
    );
  }
  console.log("\nThe start floors: the SDK clients a handler loads before its first event, built alone the same way and timed in the same runs\n");
  console.log("| floor | handlers | KiB | import ms (median) | x empty module |\n| --- | --- | ---: | ---: | ---: |");
  console.log(`| ${floorName([])} | ${bundles.filter((figure) => figure.startClients.length === 0).map((figure) => figure.handler).join(", ")} | 0 | ${emptyMsMedian.toFixed(0)} | 1.0x |`);
  for (const floor of floors) {
    const handlers = bundles.filter((figure) => figure.startClients.join(",") === floor.clients.join(",")).map((figure) => figure.handler);
    console.log(`| ${floor.handler} | ${handlers.join(", ")} | ${kib(floor.bytes)} | ${floor.importMsMedian.toFixed(0)} | ${floor.importRatio.toFixed(1)}x |`);
  }
  for (const figure of bundles) {
    console.log(`\nlargest contributors to what a cold import of ${figure.handler} reads: ${figure.importContributors.slice(0, 12).map((item) => `${item.name} ${(item.bytes / 1024).toFixed(0)} KiB`).join(", ")}`);
  }
  console.log();
}
if (wants("cli")) {
  const figures = await measureCli();
  console.log(`## eks-warden start-up (the built CLI, bin/eks-warden.js; a fresh process per run, median of ${figures.runs} interleaved runs)\n`);
  console.log(`targets: --help at most ${HELP_RATIO_TARGET}x node -e 0; scan's start-up (a scan of an empty fleet) at most ${SCAN_START_RATIO_TARGET}x --help\n`);
  console.log("| process | median ms | x node -e 0 |\n| --- | ---: | ---: |");
  for (const figure of [figures.node, figures.version, figures.help, figures.scanHelp, figures.scanStart, figures.sdkFloor]) {
    console.log(`| \`${figure.command}\` | ${figure.msMedian.toFixed(0)} | ${figure.ratio.toFixed(2)}x |`);
  }
  console.log(`\nscan's start-up: ${figures.scanStartOverHelp.toFixed(2)}x --help (target <= ${SCAN_START_RATIO_TARGET}x); its floor, Node importing the SDK clients alone: ${(figures.sdkFloor.msMedian / figures.help.msMedian).toFixed(2)}x --help\n`);
}
if (wants("evaluation")) {
  const figure = measureEvaluation();
  console.log(`## Evaluation throughput (normalise + all rules, ${figure.clusters} clusters, median of ${figure.runsMs.length} runs)\n`);
  console.log(`${figure.clustersPerSecondMedian} clusters/s (${(figure.msPerClusterMedian * 1000).toFixed(0)} µs per cluster, ${figure.findings} findings per run)\n`);
}
if (wants("check")) {
  const figure = measureCheck();
  console.log(`## eks-warden check: one Terraform plan of ${figure.clusters} clusters (${(figure.planBytes / 1024).toFixed(0)} KiB), a fresh process per run, median of ${figure.runs} interleaved runs\n`);
  console.log("| process | median ms | x node -e 0 |\n| --- | ---: | ---: |");
  console.log(`| node -e 0 (floor) | ${figure.nodeFloorMsMedian.toFixed(0)} | 1.0x |`);
  console.log(`| eks-warden --version (the CLI started, no work) | ${figure.cliFloorMsMedian.toFixed(0)} | ${(figure.cliFloorMsMedian / figure.nodeFloorMsMedian).toFixed(1)}x |`);
  console.log(`| eks-warden check plan.json --format json (target < ${CHECK_TARGET_MS} ms) | ${figure.checkMsMedian.toFixed(0)} | ${(figure.checkMsMedian / figure.nodeFloorMsMedian).toFixed(1)}x |\n`);
}
if (wants("calls")) {
  console.log("## AWS calls per event (logical SDK calls; retries not counted)\n");
  console.log(`"without rule-scoped reads": without ${RULE_SCOPED_READS.join(", ")}, which only some rules need (made only for an event that can change such a rule)\n`);
  console.log("| event | total (target) | without rule-scoped reads | calls |\n| --- | ---: | ---: | --- |");
  for (const figure of await measureCallsPerEvent()) {
    const calls = Object.entries(figure.calls).sort().map(([name, count]) => `${name} ${count}`).join(", ");
    const target = figure.target !== undefined ? ` (<= ${figure.target})` : "";
    console.log(`| ${figure.scenario} | ${figure.total}${target} | ${figure.totalWithoutRuleScopedReads} | ${calls} |`);
  }
  console.log();
}
if (wants("event-path") && only.size !== 1) {
  // One local system per process (the handlers keep their adapters, as in Lambda): this one runs in its own.
  spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "event-path"], { stdio: "inherit" });
} else if (wants("event-path")) {
  const figures = await measureEventPath();
  console.log(`## The event path: ${figures.events} TagResource events through the real cluster-event handler on the local system\n`);
  console.log("handler time = the invocation's wall time less the time spent inside AWS SDK sends (emulator latency)\n");
  console.log("| handler | median ms | p99 ms | SDK send median ms |\n| --- | ---: | ---: | ---: |");
  for (const row of figures.rows) console.log(`| ${row.handler} | ${row.medianMs.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.sdkMedianMs.toFixed(2)} |`);
  console.log();
}
if (wants("scheduled")) {
  console.log(`\n## Sweep and digest (deployed handlers on the local system; 2 node groups, 4 add-ons per cluster; ${LATENCY_MS} ms per EKS call)\n`);
  console.log("| clusters | run | wall | ideal (EKS calls x latency / concurrency) | EKS calls per cluster | catalogue lookups | peak RSS |\n| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const figure of measureScheduled()) {
    console.log(`| ${figure.clusters} | ${figure.run} | ${(figure.wallMs / 1000).toFixed(1)} s | ${(figure.idealMs / 1000).toFixed(1)} s | ${figure.callsPerCluster} | ${figure.catalogueLookups} | ${figure.peakRssMb} MB |`);
  }
}
if (wants("scan")) {
  console.log(`\n## eks-warden scan on a ${SCAN_FLEET_CLUSTERS}-cluster fleet (simulator; 2 node groups, 4 add-ons, 4 upgrade insights per cluster, one failing on 2 clusters in 3)\n`);
  console.log("| scan | EKS calls | per cluster | EKS calls by operation | other calls | wall (median of runs) |\n| --- | ---: | ---: | --- | --- | ---: |");
  for (const figure of await measureScan()) {
    const list = (calls: Readonly<Record<string, number>>) => Object.entries(calls).map(([name, count]) => `${name} ${count}`).join(", ");
    console.log(`| \`scan ${figure.args.join(" ")}\` | ${figure.eksCallsTotal} | ${figure.eksCallsPerCluster} | ${list(figure.eksCalls)} | ${list(figure.otherCalls)} | ${(figure.wallMsMedian / 1000).toFixed(1)} s (${figure.wallMsRuns.map((ms) => (ms / 1000).toFixed(1)).join(", ")}) |`);
  }
  const cpu = await measureScanCpu();
  const ms = (values: readonly number[]) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;
  console.log(`\n## eks-warden scan: CPU per cluster beyond start-up (the scan process's own CPU; (fleet - empty fleet) / clusters; median of ${cpu[0]?.scanMsRuns.length} interleaved runs, range in brackets)\n`);
  console.log("floor: the same EKS calls through the raw SDK client (bench/scan-floor.ts), nothing else, measured the same way in the same runs\n");
  console.log("| scan | clusters | ms per cluster (target) | floor ms per cluster | x floor | start-up CPU ms | peak RSS |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const figure of cpu) {
    console.log(
      `| ${figure.scan} | ${figure.clusters} | ${figure.scanMsMedian.toFixed(2)} [${ms(figure.scanMsRuns)}] (<= ${figure.targetMs}) | ${figure.floorMsMedian.toFixed(2)} [${ms(figure.floorMsRuns)}] | ${figure.ratioMedian.toFixed(2)}x [${ms(figure.ratioRuns)}] | ${median(figure.startUpMsRuns).toFixed(0)} | ${figure.peakRssMbMedian.toFixed(0)} MB |`,
    );
  }
}
if (wants("latency")) {
  const load = loadavg()[0]!.toFixed(1);
  console.log(`\n## Real latency: ${EKS_LATENCY_MS} ms per EKS call, then EKS's throttling (token bucket ${EKS_RATE_LIMIT.perSecond}/s, burst ${EKS_RATE_LIMIT.burst}, per account and region)\n`);
  console.log(`floor = the larger of EKS calls answered x ${EKS_LATENCY_MS} ms / concurrency and (calls answered - burst) / ${EKS_RATE_LIMIT.perSecond} per s; target wall <= ${RATIO_TARGET}x floor; load average at start ${load} on ${cpus().length} cores\n`);
  console.log("| run | throttling | clusters | concurrency | EKS calls (throttled) | wall | floor | x floor (runs) | work alone (no latency) | calls/s | concurrency lowest, back up to |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const result of await measureLatency()) {
    const runs = result.runs;
    const middle = [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)]!;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const floor = Math.max(middle.latencyFloorMs, middle.rateFloorMs);
    console.log(
      `| ${middle.run} | ${middle.throttling ? "yes" : "no"} | ${middle.clusters} | ${middle.concurrency} | ${middle.calls} (${middle.throttles}) | ${seconds(middle.wallMs)} | ${seconds(floor)} | ${result.medianRatio.toFixed(2)}x (${runs.map((run) => run.ratio.toFixed(2)).join(", ")}) | ${middle.workAloneMs !== undefined ? seconds(middle.workAloneMs) : "-"} | ${middle.perSecond} | ${middle.lowest}, ${middle.recoveredTo} |`,
    );
  }
  console.log();
}
if (wants("fuzz")) {
  const runs = Number(process.env["FUZZ_RUNS"]) > 0 ? Number(process.env["FUZZ_RUNS"]) : BENCH_FUZZ_RUNS;
  const result = await measureFuzz(runs, process.env["FUZZ_ONLY"] || undefined);
  console.log(`\n## Fuzzing the parsers (fast-check; ${runs} valid and ${runs} hostile inputs per parser; ${(result.wallMs / 1000).toFixed(0)} s in all)\n`);
  console.log("| parser | inputs | accepted | refused (documented errors) | slowest input ms |\n| --- | ---: | ---: | --- | ---: |");
  for (const figure of result.figures) {
    const refused = Object.entries(figure.refused).map(([name, count]) => `${name} ${count}`).join(", ") || "none";
    console.log(`| ${figure.target} | ${figure.runs} | ${figure.accepted} | ${refused} | ${figure.slowestMs.toFixed(1)} |`);
  }
  for (const failure of result.failures) console.log(`\nFAILED: ${failure.target}\n${failure.report}`);
  console.log(`\ncrashes, hangs and wrong meanings: ${result.failures.length}`);
  if (result.failures.length > 0) process.exitCode = 1;
}
if (wants("securityhub")) {
  const { figures, floorBytesPerFinding } = await measureSecurityHub();
  console.log(`\n## Security Hub export: ${CHANGED_FINDINGS} changed findings imported into the simulator (BatchImportFindings, real SDK client; bytes = request bodies)\n`);
  console.log(`target: at most ${CALLS_TARGET} calls; floor: the same findings with only the required fields, ${floorBytesPerFinding.toFixed(0)} bytes each\n`);
  console.log("| findings arrive | calls (target) | KiB sent | bytes per finding | x floor | wall (median of runs) |\n| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const figure of figures) {
    console.log(`| ${figure.way} | ${figure.calls} (<= ${CALLS_TARGET}) | ${(figure.bytes / 1024).toFixed(0)} | ${figure.bytesPerFinding.toFixed(0)} | ${figure.bytesRatio.toFixed(2)}x | ${figure.wallMsMedian.toFixed(0)} ms (${figure.wallMsRuns.map((ms) => ms.toFixed(0)).join(", ")}) |`);
  }
  console.log();
}
if (only.has("soak")) {
  // One local system per process: the soak runs in its own, and prints its figures as JSON on its last line.
  const { soakProblems, soakSize, SWEEP_CAUSES } = await import("./soak.ts");
  const size = soakSize();
  const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./soak.ts", import.meta.url))], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
  const last = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !last.startsWith("{")) {
    console.log(`\n## The soak crashed (exit ${child.status})\n${child.stdout}`);
    process.exitCode = 1;
  } else {
    const figures = JSON.parse(last) as import("./soak.ts").SoakFigures;
    console.log(`\n## The soak: a simulated week under faults (${size.calls} calls, ${size.clusters} clusters, 2 accounts x 3 regions; ${(figures.wallMs / 60_000).toFixed(1)} min wall)\n`);
    console.log("| lost | duplicates | false PASS | detection latency median / p99 (simulated) | found only by the sweep | dead letters archived / alerted / waiting | calls (failed) | EKS requests | EKS faults (throttled, 5xx, spikes) | local faults (DynamoDB, SNS, settle redelivered, CloudTrail lost) |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    const local = figures.faults.local;
    console.log(`| ${figures.lost} | ${figures.duplicates} | ${figures.falsePass} | ${figures.latencyMedianMinutes} / ${figures.latencyP99Minutes} min | ${(figures.sweepOnlyShare * 100).toFixed(1)}% of ${figures.alerts} alerts (lost events ${(figures.lostEventShare * 100).toFixed(1)}%) | ${figures.deadLetters.archived} / ${figures.deadLetters.alerted} / ${figures.deadLetters.waiting} | ${figures.calls} (${figures.callsFailed}) | ${figures.faults.eksRequests} | ${figures.faults.eks["throttled"]}, ${figures.faults.eks["serverErrors"]}, ${figures.faults.eks["latencySpikes"]} | ${local["dynamodb"]}, ${local["sns"]}, ${local["settleQueue"]}, ${figures.faults.cloudTrailLost} |\n`);
    // Found only by the sweep, split by why (SweepCause): the lost events are the issue's figure; rules that change with
    // time and clusters the sweep could not read are the sweep's by design.
    console.log(`Found only by the sweep, why: ${SWEEP_CAUSES.map((cause) => `${cause} ${figures.sweepCauses[cause]}`).join(", ")}.\n`);
    console.log("| found by, rule, transition | alerts |\n| --- | ---: |");
    for (const [kind, count] of Object.entries(figures.alertsBy).sort(([, left], [, right]) => right - left)) console.log(`| ${kind} | ${count} |`);
    for (const detail of figures.calledNotToldDetails) console.log(`called, not told by its events: ${detail}`);
    console.log();
    const problems = soakProblems(figures);
    for (const problem of problems) console.log(`FAILED: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  }
}
if (only.has("report-screenshot")) {
  const { writeReportScreenshot } = await import("./report-screenshot.ts");
  const figures = await writeReportScreenshot();
  console.log(`## The browser report (${figures.clusters} clusters, ${figures.findings} findings; Chromium through playwright-core)\n`);
  console.log("| page KiB | render ms (median of " + figures.renderMsRuns.length + ") | Chromium load ms | screenshot |\n| ---: | ---: | ---: | --- |");
  console.log(`| ${(figures.pageBytes / 1024).toFixed(0)} | ${figures.renderMsMedian.toFixed(1)} | ${figures.loadMs.toFixed(0)} | docs/report.png |\n`);
}
