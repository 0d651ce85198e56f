// Every parser a user or an attacker can feed, fuzzed (targets.ts): valid inputs mean what they say once accepted;
// hostile ones are refused only with the documented errors, never crash, never hang, never read as a PASS.
// FUZZ_RUNS sets the runs per target (1,000 here; `npm run bench -- fuzz` runs 100,000).
import { describe, expect, it } from "vitest";
import { fuzz, fuzzRuns } from "./harness.ts";
import { FUZZ_TARGETS } from "./targets.ts";

describe("fuzzing the parsers", () => {
  for (const target of FUZZ_TARGETS) {
    it(target.name, async () => {
      const figures = await fuzz(target, fuzzRuns());
      expect(figures.runs).toBe(fuzzRuns() * 2);
      // The valid half is accepted in full, so a target whose generator drifted into refusals shows here.
      expect(figures.accepted).toBeGreaterThanOrEqual(fuzzRuns());
    }, 120_000);
  }
});
