// The SNS + SQS emulator (fauxqs), in this process: it speaks the real wire protocols (SNS awsQuery, SQS JSON)
// on one port, so one endpoint serves both AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_SQS.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildApp, type BuildAppOptions } from "fauxqs";
import { EmbeddedStartError } from "./errors.ts";
import { applyMessageStructure, MessageStructureError, snsInvalidParameterXml } from "./sns-message-structure.ts";

type FauxqsStores = NonNullable<BuildAppOptions["stores"]>;
type SqsStore = FauxqsStores["sqsStore"];

export interface SnsSqsOptions {
  readonly port?: number;
  readonly region: string;
}

export interface SnsSqs {
  /** Serves SNS and SQS alike. */
  readonly endpoint: string;
  readonly port: number;
  /** Non-destructive view of a queue's messages (ready, delayed, in flight), for tests; undefined if no such queue. */
  inspectQueue(name: string): ReturnType<SqsStore["inspectQueue"]>;
  stop(): Promise<void>;
}

function fauxqsDistFolder(): string {
  // The package exports only its entry point, so its own store modules are reached by file path.
  for (const nodeModules of createRequire(import.meta.url).resolve.paths("fauxqs") ?? []) {
    const dist = join(nodeModules, "fauxqs", "dist");
    if (existsSync(join(dist, "app.js"))) return dist;
  }
  throw new EmbeddedStartError("SNS/SQS emulator: the fauxqs package was not found in any node_modules above packages/simulator");
}

async function createStores(): Promise<FauxqsStores> {
  const dist = fauxqsDistFolder();
  const load = async <T>(relative: string, exportName: string): Promise<new () => T> =>
    ((await import(pathToFileURL(join(dist, relative)).href)) as Record<string, new () => T>)[exportName]!;
  const [SqsStoreClass, SnsStoreClass, S3StoreClass] = await Promise.all([
    load<FauxqsStores["sqsStore"]>("sqs/sqsStore.js", "SqsStore"),
    load<FauxqsStores["snsStore"]>("sns/snsStore.js", "SnsStore"),
    load<FauxqsStores["s3Store"]>("s3/s3Store.js", "S3Store"),
  ]);
  const sqsStore = new SqsStoreClass();
  // fauxqs builds queue URLs as http://sqs.<region>.localhost:<port>/... by default. The SQS client sends each
  // request to its QueueUrl's host when that differs from its endpoint (and an AWS_ENDPOINT_URL_SQS endpoint does not
  // stop that), and *.localhost does not resolve here. An empty host makes fauxqs use the request's Host header
  // instead: queue URLs then share the endpoint's origin and every client works unchanged.
  sqsStore.host = "";
  return { sqsStore, snsStore: new SnsStoreClass(), s3Store: new S3StoreClass() };
}

export async function startSnsSqs(options: SnsSqsOptions): Promise<SnsSqs> {
  const stores = await createStores();
  const app = buildApp({ logger: false, defaultRegion: options.region, stores });
  app.addHook("preHandler", async (request, reply) => {
    const contentType = request.headers["content-type"] ?? "";
    if (!contentType.includes("application/x-www-form-urlencoded") || typeof request.body !== "object" || request.body === null) return;
    try {
      applyMessageStructure(request.body as Record<string, string>);
    } catch (error) {
      if (!(error instanceof MessageStructureError)) throw error;
      return reply.status(400).header("content-type", "text/xml").send(snsInvalidParameterXml(error.message));
    }
  });
  try {
    await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  } catch (error) {
    await app.close();
    throw new EmbeddedStartError(`SNS/SQS emulator (fauxqs): could not listen on 127.0.0.1:${options.port ?? "(any free port)"}`, { cause: error });
  }
  const address = app.server.address();
  if (!address || typeof address !== "object") {
    await app.close();
    throw new EmbeddedStartError(`SNS/SQS emulator (fauxqs): listening, but its address is unknown (got ${String(address)})`);
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    inspectQueue: (name) => stores.sqsStore.inspectQueue(name),
    stop: () => (stopping ??= app.close().then(() => undefined)),
  };
}
