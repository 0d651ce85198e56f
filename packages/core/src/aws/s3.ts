// The S3 adapter: writes the digest's full report to the stack's report bucket (encrypted by the bucket's default
// encryption, versioned, TLS-only). The only code that calls the S3 SDK.

import { PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { ReportStore } from "../digest/model.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

export interface S3ReportStoreOptions {
  readonly bucket: string;
  readonly client?: S3Client;
  readonly clientConfig?: S3ClientConfig;
}

export class S3ReportStore implements ReportStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: S3ReportStoreOptions) {
    this.#client = options.client ?? new S3Client({ ...clientConfig(), ...options.clientConfig });
    this.#bucket = options.bucket;
  }

  /** Writes the object and returns its s3:// URI. */
  async put(key: string, body: string, contentType: string): Promise<string> {
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (error) {
      throw translateSdkError("S3", "PutObject", error);
    }
    return `s3://${this.#bucket}/${key}`;
  }
}
