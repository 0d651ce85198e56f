// Run the embedded endpoints on their own, for a shell or another tool:
//   node --import tsx packages/simulator/src/embedded/serve.ts            prints `export AWS_...=...` lines, runs until Ctrl-C
//   node --import tsx packages/simulator/src/embedded/serve.ts --measure 5 starts and stops 5 times, prints the times
// Ctrl-C is left to the harness's own signal handling on purpose, so this is also how tests check it leaves no orphan.
import { parseArgs } from "node:util";
import { startEmbedded } from "./index.ts";

const { values } = parseArgs({
  options: {
    measure: { type: "string" },
    "no-dynamodb": { type: "boolean", default: false },
    "no-sns": { type: "boolean", default: false },
  },
});
const selection = { dynamodb: !values["no-dynamodb"], sns: !values["no-sns"] };

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (values.measure !== undefined) {
  const runs = Number(values.measure);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--measure: expected a positive whole number of runs, got "${values.measure}"`);
  const startTimes: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const embedded = await startEmbedded(selection);
    startTimes.push(Math.round(embedded.startMs));
    await embedded.stop();
  }
  console.log(JSON.stringify({ startMs: startTimes, medianMs: median(startTimes) }));
} else {
  const embedded = await startEmbedded(selection);
  for (const [name, value] of Object.entries(embedded.env)) console.log(`export ${name}=${value}`);
  console.error(`embedded endpoints ready in ${Math.round(embedded.startMs)} ms (pid ${process.pid}); Ctrl-C stops them`);
}
