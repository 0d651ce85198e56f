// The STS adapter: whose credentials these are (GetCallerIdentity, which needs no permission) and which region the
// SDK would use. The only code that calls the STS SDK.

import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { ServiceUnavailable } from "../errors.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

export interface StsIdentityOptions {
  /** Merged into the client's configuration (endpoint, credentials, profile). */
  readonly clientConfig?: STSClientConfig;
}

export class StsIdentity {
  readonly #options: StsIdentityOptions;
  #account: Promise<string> | undefined;

  constructor(options: StsIdentityOptions = {}) {
    this.#options = options;
  }

  /** The 12-digit account the credentials belong to (asked once; a failed attempt is not remembered). */
  account(region: string): Promise<string> {
    this.#account ??= (async () => {
      const sts = new STSClient({ region, ...clientConfig(), ...this.#options.clientConfig });
      try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        if (!identity.Account) throw new ServiceUnavailable("STS", "GetCallerIdentity", { cause: new Error("the reply names no account") });
        return identity.Account;
      } catch (error) {
        throw translateSdkError("STS", "GetCallerIdentity", error);
      } finally {
        sts.destroy();
      }
    })();
    this.#account.catch(() => {
      this.#account = undefined;
    });
    return this.#account;
  }

  /** The region the SDK would use (AWS_REGION, the profile's `region`), or undefined when none is configured. */
  async defaultRegion(): Promise<string | undefined> {
    const sts = new STSClient({ ...this.#options.clientConfig });
    try {
      return await sts.config.region();
    } catch {
      return undefined;
    } finally {
      sts.destroy();
    }
  }
}
