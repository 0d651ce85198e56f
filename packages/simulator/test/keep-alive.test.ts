// Connections stay open between calls, as they do with AWS endpoints: a scan of a large fleet must not open one
// socket per call (and leave thousands in TIME_WAIT); stop() still ends at once, idle connections included.

import { Agent } from "node:http";
import type { Duplex } from "node:stream";
import { DescribeClusterCommand, ListClustersCommand } from "@aws-sdk/client-eks";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../src/index.ts";
import { eksClient, SAMPLE_FLEET } from "./helpers.ts";

/** A keep-alive agent, as the SDK's default one, that counts the sockets it opens. */
class CountingAgent extends Agent {
  opened = 0;
  override createConnection(...args: Parameters<Agent["createConnection"]>): Duplex | null | undefined {
    this.opened += 1;
    return super.createConnection(...args);
  }
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe("connections", () => {
  it("serves several sequential SDK calls of one client on one socket", async () => {
    sim = await startSimulator({ fleet: SAMPLE_FLEET });
    const agent = new CountingAgent({ keepAlive: true });
    const eks = eksClient(sim, { httpAgent: agent });
    await eks.send(new ListClustersCommand({}));
    for (const name of ["payments-prod", "web-public", "payments-prod", "web-public", "payments-prod"]) {
      await eks.send(new DescribeClusterCommand({ name }));
      // Let the response's socket go back to the pool, as between the calls of a real scan.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(agent.opened).toBe(1);
    eks.destroy();
    agent.destroy();
  });

  it("stops promptly while a client holds an idle keep-alive connection", async () => {
    sim = await startSimulator({ fleet: SAMPLE_FLEET });
    const agent = new Agent({ keepAlive: true });
    const eks = eksClient(sim, { httpAgent: agent });
    await eks.send(new ListClustersCommand({}));
    const started = performance.now();
    await sim.stop();
    sim = undefined;
    expect(performance.now() - started).toBeLessThan(500);
    eks.destroy();
    agent.destroy();
  });
});
