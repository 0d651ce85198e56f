#!/usr/bin/env node
// The test command: type-check every workspace, run every test, and print the closing line CI reads.
// vitest's own summary is not that line, so it is computed from vitest's JSON report.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const report = ".test-results.json";
const extraArgs = process.argv.slice(2);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"; // Lambda runs Node 22; the warning is about the dev machine
const typecheck = spawnSync("npx", ["tsc", "-p", "tsconfig.json", "--noEmit"], { stdio: "inherit" });
if (typecheck.status !== 0) {
  console.error("type-check failed: no tests were run");
  console.log("0 passed, 1 failed");
  process.exit(1);
}

rmSync(report, { force: true });
const vitest = spawnSync(
  "npx",
  ["vitest", "run", "--coverage", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extraArgs],
  { stdio: "inherit" },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const results = JSON.parse(readFileSync(report, "utf8"));
  passed = results.numPassedTests;
  failed = results.numFailedTests;
  skipped = results.numPendingTests + results.numTodoTests;
  // A suite that fails to load (import error, global setup failure) has no tests in it but is still a failure.
  failed += results.testResults.filter((suite) => suite.status === "failed" && suite.assertionResults.length === 0).length;
} catch (error) {
  console.error(`could not read the vitest report ${report}: ${error.message}`);
  failed = Math.max(failed, 1);
}
if (vitest.status !== 0 && failed === 0) {
  // Coverage below its threshold, or vitest itself failed: the run is red even though every test passed.
  console.error(`vitest exited with status ${vitest.status}`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
