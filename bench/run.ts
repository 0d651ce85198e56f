// `npm run bench`: every benchmark (or `npm run bench -- bundles|evaluation|calls|scheduled`), printed as JSON and as the Markdown table the README quotes.
// Run on an otherwise idle machine; the figures are medians (or exact counts) for that reason.
import { measureBundles } from "./bundles.ts";
import { measureCallsPerEvent } from "./calls.ts";
import { measureEvaluation } from "./evaluation.ts";
import { LATENCY_MS, measureScheduled } from "./scheduled.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const only = new Set(process.argv.slice(2));
const wants = (name: string) => only.size === 0 || only.has(name);

if (wants("bundles")) {
  console.log("## Lambda bundles (esbuild as SST v2 bundles ESM for nodejs22.x; import = fresh node process, median of 11)\n");
  console.log("| handler | bytes | gzip | import ms (median) |\n| --- | ---: | ---: | ---: |");
  for (const figure of await measureBundles()) {
    console.log(`| ${figure.handler} | ${figure.bytes} | ${figure.gzipBytes} | ${figure.importMsMedian.toFixed(0)} |`);
  }
  console.log();
}
if (wants("evaluation")) {
  const figure = measureEvaluation();
  console.log(`## Evaluation throughput (normalise + all rules, ${figure.clusters} clusters, median of ${figure.runsMs.length} runs)\n`);
  console.log(`${figure.clustersPerSecondMedian} clusters/s (${(figure.msPerClusterMedian * 1000).toFixed(0)} µs per cluster, ${figure.findings} findings per run)\n`);
}
if (wants("calls")) {
  console.log("## AWS calls per event (logical SDK calls; retries not counted)\n");
  console.log("| event | total | calls |\n| --- | ---: | --- |");
  for (const figure of await measureCallsPerEvent()) {
    const calls = Object.entries(figure.calls).sort().map(([name, count]) => `${name} ${count}`).join(", ");
    console.log(`| ${figure.scenario} | ${figure.total} | ${calls} |`);
  }
}
if (wants("scheduled")) {
  console.log(`\n## Sweep and digest (deployed handlers on the local system; 2 node groups, 4 add-ons per cluster; ${LATENCY_MS} ms per EKS call)\n`);
  console.log("| clusters | run | wall | ideal (EKS calls x latency / concurrency) | EKS calls per cluster | catalogue lookups | peak RSS |\n| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const figure of measureScheduled()) {
    console.log(`| ${figure.clusters} | ${figure.run} | ${(figure.wallMs / 1000).toFixed(1)} s | ${(figure.idealMs / 1000).toFixed(1)} s | ${figure.callsPerCluster} | ${figure.catalogueLookups} | ${figure.peakRssMb} MB |`);
  }
}
