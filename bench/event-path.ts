// The event path: N CloudTrail events (TagResource on a known cluster) through the REAL cluster-event handler (middy,
// Powertools, the adapters it builds from its environment) on the local system, timed per invocation. What the
// emulators and the simulator take is not the handler's: every AWS SDK send is timed (the union of the intervals
// in which at least one send is in flight, so parallel sends count once) and subtracted from the invocation's wall
// time. Beside it, the same figures for an empty handler, the floor of the harness.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EKSClient } from "@aws-sdk/client-eks";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { eventQueueBatch, localContext } from "@eks-warden/local";
import { ALICE, CLUSTER_ARN, REGION, startBenchSystem } from "./calls.ts";
import { median } from "./stats.ts";

export interface EventPathRow {
  readonly handler: string;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly sdkMedianMs: number;
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** Times every send of every SDK client class the handler uses; returns the clock of time spent in sends. */
function timeSdkSends(): { readonly inSendsMs: () => number; restore(): void } {
  let active = 0;
  let since = 0;
  let total = 0;
  const patched = new Map<object, (...args: unknown[]) => Promise<unknown>>();
  for (const client of [DynamoDBClient, EKSClient, SNSClient, SQSClient]) {
    const base = Object.getPrototypeOf(client.prototype) as { send: (...args: unknown[]) => Promise<unknown> };
    if (patched.has(base)) continue;
    const original = base.send;
    patched.set(base, original);
    base.send = async function timedSend(this: unknown, ...args: unknown[]) {
      if (active === 0) since = performance.now();
      active += 1;
      try {
        return await original.apply(this, args);
      } finally {
        active -= 1;
        if (active === 0) total += performance.now() - since;
      }
    };
  }
  return {
    inSendsMs: () => total,
    restore: () => {
      for (const [base, original] of patched) (base as { send: unknown }).send = original;
    },
  };
}

export async function measureEventPath(events = 1000): Promise<{ events: number; rows: EventPathRow[] }> {
  const system = await startBenchSystem();
  const timing = timeSdkSends();
  try {
    const actor = { credentials: ALICE, region: REGION };
    for (let index = 0; index < events; index += 1) {
      await system.callEks("TagResource", { resourceArn: CLUSTER_ARN, tags: { run: String(index) } }, actor);
    }
    const recorded = await system.takeEvents();
    const empty = async (_event: unknown) => ({ status: "empty" });
    const handlers = [
      { handler: "cluster-event", run: (event: unknown) => system.clusterEventHandler(eventQueueBatch([event]), localContext("cluster-event")) },
      { handler: "empty handler", run: (event: unknown) => empty(event) },
    ];
    const samples = handlers.map(() => ({ own: [] as number[], sdk: [] as number[] }));
    // Interleaved, event by event, so that machine noise falls on both alike.
    for (const event of recorded) {
      for (const [index, { run }] of handlers.entries()) {
        const sdkBefore = timing.inSendsMs();
        const started = performance.now();
        await run(event);
        const wall = performance.now() - started;
        const sdk = timing.inSendsMs() - sdkBefore;
        samples[index]!.own.push(wall - sdk);
        samples[index]!.sdk.push(sdk);
      }
    }
    return {
      events: recorded.length,
      rows: handlers.map(({ handler }, index) => ({
        handler,
        medianMs: median(samples[index]!.own),
        p99Ms: percentile(samples[index]!.own, 0.99),
        sdkMedianMs: median(samples[index]!.sdk),
      })),
    };
  } finally {
    timing.restore();
    await system.stop();
  }
}
