// The S3 emulator (s3rver, pure JavaScript), in this process, for the digest's report bucket: PutObject, GetObject,
// ListObjectsV2 over the real REST protocol. Buckets are served by path (http://127.0.0.1:PORT/<bucket>/<key>): the
// clients of the local system set forcePathStyle, since <bucket>.127.0.0.1 does not resolve. Objects live in a
// temporary folder of its own, removed on stop.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAKE_CREDENTIALS } from "./credentials.ts";
import { EmbeddedStartError } from "./errors.ts";

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export interface S3Emulator {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startS3(options: { readonly port?: number; readonly tempRoot?: string } = {}): Promise<S3Emulator> {
  const require = createRequire(import.meta.url);
  const S3rver = require("s3rver") as S3rverClass;
  // s3rver checks signatures against its own accounts: the embedded parts' fake credentials are made one of its keys.
  const accounts = require("s3rver/lib/models/account") as { DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void } };
  accounts.DUMMY_ACCOUNT.createKeyPair(FAKE_CREDENTIALS.accessKeyId, FAKE_CREDENTIALS.secretAccessKey);
  const directory = mkdtempSync(join(options.tempRoot ?? tmpdir(), "eks-warden-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: options.port ?? 0, silent: true, directory, vhostBuckets: false });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw new EmbeddedStartError(`S3 emulator (s3rver): could not listen on 127.0.0.1:${options.port ?? "(any free port)"}`, { cause: error });
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    stop: () =>
      (stopping ??= server.close().finally(() => {
        rmSync(directory, { recursive: true, force: true });
      })),
  };
}
