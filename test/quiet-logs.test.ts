// `npm test` prints vitest's report, not the handlers' logs: the Powertools loggers and metrics the handlers create
// are silent in tests (vitest.config.ts `env`), and a test that wants to read logs asks for a level of its own.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything written to stdout and stderr while `run` runs. */
function written(run: () => void): string {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture as typeof process.stdout.write);
  vi.spyOn(process.stderr, "write").mockImplementation(capture as typeof process.stderr.write);
  try {
    run();
  } finally {
    vi.restoreAllMocks();
  }
  return chunks.join("");
}

describe("handler logs in the test run", () => {
  it("a Powertools logger and metrics, as the handlers build them, print nothing", () => {
    const output = written(() => {
      const logger = new Logger({ serviceName: "cluster-event" });
      logger.info("event handled", { eventId: "e-1" });
      logger.error("settle check failed", { error: new Error("boom") });
      const metrics = new Metrics({ serviceName: "settle", namespace: "EksWardenTest" });
      metrics.addMetric("Settle_settled", MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    });
    expect(output).toBe("");
  });

  it("a test that asserts logs still gets them by choosing its level", () => {
    expect(new Logger({ serviceName: "cluster-event" }).getLevelName()).toBe("SILENT");
    const logger = new Logger({ serviceName: "cluster-event", logLevel: "INFO" });
    expect(logger.getLevelName()).toBe("INFO");
    expect(written(() => logger.info("event handled"))).toContain('"message":"event handled"');
  });
});
