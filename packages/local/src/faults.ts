// Fault injection in the local system's own parts, so a user can replay a failure with `npm start` / `eks-warden run`:
// the `faults` section of the fleet file (docs/faults.md), beside the simulator's own `faults.eks`. The simulator
// validates the whole section (FAULT_SECTIONS); the local system applies these keys.
//
//   "faults": { "seed": 42,
//     "dynamodb":    { "errorRate": 0.02 },      DynamoDB Local answers 2% of requests with a 500 InternalServerError or
//                                                 a 400 ProvisionedThroughputExceededException, in DynamoDB's wire format
//     "sns":         { "errorRate": 0.02 },      the SNS emulator answers 2% of requests with SNS's 500 InternalError
//     "settleQueue": { "redeliverRate": 0.05 },  5% of the settle checks handled are delivered again (their delete is
//                                                 lost, as SQS's at-least-once delivery allows)
//     "cloudtrail":  { "lossRate": 0.01 } }      1% of the simulator's CloudTrail events never reach EventBridge
//
// DynamoDB and SNS faults come from a small HTTP proxy in front of each emulator: the real SDK clients of the handlers
// see real error replies and retry them as they would in AWS (a faulted request never reaches the emulator, so a
// failed write did not happen). Every draw comes from PRNGs seeded from `seed` (one per part), so a run replays.
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { seededRandom, type FaultPlan } from "@eks-warden/simulator/index";

/** The keys of a fleet's `faults` section the local system applies (validated by the simulator's FAULT_SECTIONS). */
export type LocalFaults = Pick<FaultPlan, "seed" | "waitScale" | "dynamodb" | "sns" | "settleQueue" | "cloudtrail">;

/** The keys of `faults` the local system answers, and the one field of each: a share between 0 and 1. */
export const LOCAL_FAULT_KEYS = { dynamodb: "errorRate", sns: "errorRate", settleQueue: "redeliverRate", cloudtrail: "lossRate" } as const;
export type LocalFaultKey = keyof typeof LOCAL_FAULT_KEYS;

/** One draw source per part, so adding faults to one part does not move the draws of another. */
const STREAM_OFFSET: Readonly<Record<LocalFaultKey, number>> = { dynamodb: 1, sns: 2, settleQueue: 3, cloudtrail: 4 };

/** Decides, call by call, whether a part's fault strikes; counts what it did. `paused` stops every draw. */
export class FaultDraws {
  readonly injected: Record<LocalFaultKey, number> = { dynamodb: 0, sns: 0, settleQueue: 0, cloudtrail: 0 };
  paused = false;
  readonly #random: Record<LocalFaultKey, () => number>;
  readonly #faults: LocalFaults;

  constructor(faults: LocalFaults) {
    this.#faults = faults;
    const seed = faults.seed ?? 1;
    this.#random = {
      dynamodb: seededRandom(seed * 16 + STREAM_OFFSET.dynamodb),
      sns: seededRandom(seed * 16 + STREAM_OFFSET.sns),
      settleQueue: seededRandom(seed * 16 + STREAM_OFFSET.settleQueue),
      cloudtrail: seededRandom(seed * 16 + STREAM_OFFSET.cloudtrail),
    };
  }

  get faults(): LocalFaults {
    return this.#faults;
  }

  rate(key: LocalFaultKey): number {
    const section = this.#faults[key] as Readonly<Record<string, number>> | undefined;
    return section?.[LOCAL_FAULT_KEYS[key]] ?? 0;
  }

  /** Whether this call of the part is faulted (and counts it). */
  strikes(key: LocalFaultKey): boolean {
    const rate = this.rate(key);
    if (this.paused || rate === 0 || this.#random[key]() >= rate) return false;
    this.injected[key] += 1;
    return true;
  }
}

/** An error reply in a service's wire format. */
interface WireFault {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** DynamoDB (JSON 1.0): a server error, or throttling; the SDK retries both. Alternates, so both are seen. */
export function dynamoDbFault(index: number): WireFault {
  const [status, type, message] =
    index % 2 === 0 ? [500, "InternalServerError", "Internal server error (injected by faults.dynamodb)"] : [400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded (injected by faults.dynamodb)"];
  const requestId = randomUUID();
  return {
    status,
    headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId },
    body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
  };
}

/** SNS (query protocol, XML): InternalError, 500, which the SDK retries. */
export function snsFault(): WireFault {
  const requestId = randomUUID();
  return {
    status: 500,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type><Code>InternalError</Code><Message>Internal error (injected by faults.sns)</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export interface FaultProxy {
  readonly url: string;
  stop(): Promise<void>;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

/**
 * An HTTP proxy in front of an emulator: each request is forwarded as it is, unless `fault` returns a reply, which is
 * answered instead (the emulator never sees the request).
 */
export async function startFaultProxy(target: string, fault: () => WireFault | undefined): Promise<FaultProxy> {
  const upstream = new URL(target);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const body = await readAll(request);
      const reply = fault();
      if (reply) {
        response.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(reply.body) });
        response.end(reply.body);
        return;
      }
      const forwarded = httpRequest(
        { hostname: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, host: upstream.host } },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forwarded.on("error", () => {
        if (!response.headersSent) response.writeHead(502);
        response.end();
      });
      forwarded.end(body);
    })().catch(() => response.destroy());
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
