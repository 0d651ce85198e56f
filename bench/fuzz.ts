// `npm run bench -- fuzz`: every parser target of test/fuzz, 100,000 valid and 100,000 hostile inputs each (FUZZ_RUNS
// overrides; FUZZ_ONLY=<part of a target's name> runs only those). A crash, a hang or a wrong meaning stops the run with fast-check's shrunk counterexample and its seed:
// keep it as a regression test (test/fuzz/regressions.test.ts) before fixing it.
import { fuzz, type FuzzFigures } from "../test/fuzz/harness.ts";
import { FUZZ_TARGETS } from "../test/fuzz/targets.ts";

export const BENCH_FUZZ_RUNS = 100_000;

export interface FuzzBenchResult {
  readonly figures: readonly FuzzFigures[];
  readonly failures: readonly { readonly target: string; readonly report: string }[];
  readonly wallMs: number;
}

/** `only`: targets whose name contains it (FUZZ_ONLY=fleet re-runs the fleet target after a fix), else all. */
export async function measureFuzz(runs: number, only?: string): Promise<FuzzBenchResult> {
  const figures: FuzzFigures[] = [];
  const failures: { target: string; report: string }[] = [];
  const started = performance.now();
  for (const target of FUZZ_TARGETS.filter((candidate) => only === undefined || candidate.name.includes(only))) {
    try {
      figures.push(await fuzz(target, runs));
    } catch (error) {
      failures.push({ target: target.name, report: (error as Error).message });
    }
  }
  return { figures, failures, wallMs: performance.now() - started };
}
