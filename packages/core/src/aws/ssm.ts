// The SSM adapter, the only code that calls the SSM SDK: GetParameters on the public parameters that publish the
// latest EKS-optimised and Bottlerocket AMI releases (ami.ts names them). At most 10 names per call (SSM's limit);
// each distinct parameter is read once per region and hour, concurrent callers sharing the request in flight. And
// GetParameter WithDecryption on the SecureString parameters that hold member accounts' external ids, read once per
// instance. One client per region (retry policy: client-config.ts); failures are typed errors (sdk-errors.ts).

import type { SSMClient, SSMClientConfig } from "@aws-sdk/client-ssm";
import { ParameterMissing } from "../errors.ts";
import { clientConfig } from "./client-config.ts";
import { RegionalClients } from "./regional-clients.ts";
import { translateSdkError } from "./sdk-errors.ts";
import { SharedCache } from "./shared-cache.ts";

/** SSM's limit of names per GetParameters call. */
export const GET_PARAMETERS_BATCH = 10;

/** AWS publishes new AMI releases every few weeks: one read per parameter per hour is plenty. */
const PARAMETER_TTL_MS = 60 * 60 * 1000;

export interface SsmParametersOptions {
  /** A client per region; defaults to a new SSMClient for the region with the shared retry policy. */
  readonly clientFor?: (region: string) => SSMClient;
  /** Merged into every client's configuration (endpoint, credentials, profile). */
  readonly clientConfig?: SSMClientConfig;
  /** The clock of the cache. */
  readonly now?: () => Date;
}

export class SsmParameters {
  readonly #options: SsmParametersOptions;
  readonly #cache: SharedCache<string | null>;
  /** Created by the first read, once the SSM SDK is loaded (deferred/README.md). */
  #clients: RegionalClients<SSMClient> | undefined;
  readonly #secrets = new Map<string, Promise<string>>();

  constructor(options: SsmParametersOptions = {}) {
    this.#options = options;
    this.#cache = new SharedCache(PARAMETER_TTL_MS, () => (options.now?.() ?? new Date()).getTime());
  }

  async #client(region: string): Promise<SSMClient> {
    const { SSMClient } = await import("./deferred/ssm.ts");
    this.#clients ??= new RegionalClients((clientRegion) => new SSMClient({ region: clientRegion, ...clientConfig(), ...this.#options.clientConfig }), this.#options.clientFor);
    return this.#clients.get(region);
  }

  async #read(region: string, names: readonly string[]): Promise<Map<string, string | null>> {
    const { GetParametersCommand } = await import("./deferred/ssm.ts");
    const client = await this.#client(region);
    try {
      const result = await client.send(new GetParametersCommand({ Names: [...names] }));
      const values = new Map<string, string | null>(names.map((name) => [name, null]));
      for (const parameter of result.Parameters ?? []) {
        if (parameter.Name !== undefined && parameter.Value !== undefined && values.has(parameter.Name)) values.set(parameter.Name, parameter.Value);
      }
      return values;
    } catch (error) {
      throw translateSdkError("SSM", "GetParameters", error);
    }
  }

  /**
   * The value of each named parameter in the region, or null where SSM has no such parameter (InvalidParameters).
   * Names not cached are read in batches of GET_PARAMETERS_BATCH. Throws AccessDenied, Throttled, ServiceUnavailable.
   */
  async values(region: string, names: Iterable<string>): Promise<Record<string, string | null>> {
    const wanted = [...new Set(names)];
    const key = (name: string): string => `${region}\n${name}`;
    const missing = wanted.filter((name) => !this.#cache.has(key(name)));
    for (let start = 0; start < missing.length; start += GET_PARAMETERS_BATCH) {
      const batch = missing.slice(start, start + GET_PARAMETERS_BATCH);
      const read = this.#read(region, batch);
      for (const name of batch) void this.#cache.get(key(name), async () => (await read).get(name) ?? null);
    }
    const values = await Promise.all(wanted.map((name) => this.#cache.get(key(name), async () => (await this.#read(region, [name])).get(name) ?? null)));
    return Object.fromEntries(wanted.map((name, index) => [name, values[index] ?? null]));
  }

  /**
   * The decrypted value of a SecureString parameter (GetParameter WithDecryption), read once per instance: concurrent
   * callers share the request in flight; a failure is not remembered. Throws ParameterMissing, AccessDenied (no
   * ssm:GetParameter, or no kms:Decrypt through SSM), Throttled, ServiceUnavailable.
   */
  secureString(region: string, name: string): Promise<string> {
    const key = `${region}\n${name}`;
    const cached = this.#secrets.get(key);
    if (cached) return cached;
    const reading = (async () => {
      const { GetParameterCommand } = await import("./deferred/ssm.ts");
      const client = await this.#client(region);
      let value: string | undefined;
      try {
        value = (await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
      } catch (error) {
        throw translateSdkError("SSM", "GetParameter", error, (errorName, cause) => (errorName === "ParameterNotFound" ? new ParameterMissing(name, region, { cause }) : undefined));
      }
      if (value === undefined) throw new ParameterMissing(name, region);
      return value;
    })();
    this.#secrets.set(key, reading);
    reading.catch(() => {
      if (this.#secrets.get(key) === reading) this.#secrets.delete(key);
    });
    return reading;
  }

  /** Closes the clients this adapter created (not those `clientFor` handed it). */
  destroy(): void {
    this.#clients?.destroy();
  }
}
