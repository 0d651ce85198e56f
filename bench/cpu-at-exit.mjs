// Preloaded (`node --import ./bench/cpu-at-exit.mjs`) into a process bench/scan.ts spawns: at exit, that process's
// own CPU (user + system, every thread, from getrusage) and peak RSS, written as JSON to the file BENCH_CPU_OUT names.
// The simulator answering it runs in the bench's process, so its CPU is never counted here.
import { writeFileSync } from "node:fs";

const out = process.env.BENCH_CPU_OUT;
if (out) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKb: usage.maxRSS }));
  });
}
