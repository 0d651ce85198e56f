// Which clusters exist: the caller's account (STS GetCallerIdentity, which needs no permission) and the cluster
// names of each region (EKS ListClusters). The sweep and `eks-warden scan` start here, then collect each cluster
// with the EksCollector. Failures are translated into the same typed errors as the collector's.

import { EKSClient, ListClustersCommand, type EKSClientConfig } from "@aws-sdk/client-eks";
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { clusterArnOf, partitionOfRegion } from "../events/cloudtrail.ts";
import type { ClusterRef } from "../pipeline/ports.ts";
import { EKS_MAX_ATTEMPTS } from "./eks.ts";
import { AccessDenied, CredentialsMissing, EksUnavailable, ServiceUnavailable, Throttled, WardenError } from "../errors.ts";

export interface ClusterInventoryOptions {
  /** Merged into every EKS client's configuration (endpoint, credentials, profile). */
  readonly eksConfig?: EKSClientConfig;
  /** Merged into the STS client's configuration. */
  readonly stsConfig?: STSClientConfig;
}

const THROTTLING = new Set(["ThrottlingException", "TooManyRequestsException", "Throttling"]);
const DENIED = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedException", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException"]);

function translate(service: "EKS" | "STS", operation: string, error: unknown): Error {
  const name = error instanceof Error ? error.name : "";
  if (name === "CredentialsProviderError") return new CredentialsMissing({ cause: error });
  if (THROTTLING.has(name)) return new Throttled(service, operation, { cause: error });
  if (DENIED.has(name)) return new AccessDenied(`${service.toLowerCase()}:${operation}`, { cause: error });
  return service === "EKS" ? new EksUnavailable(operation, { cause: error }) : new ServiceUnavailable(service, operation, { cause: error });
}

export class ClusterInventory {
  readonly #options: ClusterInventoryOptions;
  readonly #clients = new Map<string, EKSClient>();
  #account: Promise<string> | undefined;

  constructor(options: ClusterInventoryOptions = {}) {
    this.#options = options;
  }

  #eks(region: string): EKSClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = new EKSClient({ region, maxAttempts: EKS_MAX_ATTEMPTS, retryMode: "standard", ...this.#options.eksConfig });
      this.#clients.set(region, client);
    }
    return client;
  }

  /** The 12-digit account the credentials belong to (asked once). */
  account(region: string): Promise<string> {
    this.#account ??= (async () => {
      const sts = new STSClient({ region, maxAttempts: EKS_MAX_ATTEMPTS, ...this.#options.stsConfig });
      try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        if (!identity.Account) throw new ServiceUnavailable("STS", "GetCallerIdentity", { cause: new Error("the reply names no account") });
        return identity.Account;
      } catch (error) {
        if (error instanceof WardenError) throw error;
        throw translate("STS", "GetCallerIdentity", error);
      } finally {
        sts.destroy();
      }
    })();
    // A failed attempt is not remembered: the next call asks again.
    this.#account.catch(() => {
      this.#account = undefined;
    });
    return this.#account;
  }

  /** The region the SDK would use (AWS_REGION, the profile's `region`), or undefined when none is configured. */
  async defaultRegion(): Promise<string | undefined> {
    const sts = new STSClient({ ...this.#options.stsConfig });
    try {
      return await sts.config.region();
    } catch {
      return undefined;
    } finally {
      sts.destroy();
    }
  }

  /** Every cluster name in the region, all pages. */
  async clusterNames(region: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await this.#eks(region).send(new ListClustersCommand({ ...(nextToken ? { nextToken } : {}) }));
      } catch (error) {
        throw translate("EKS", "ListClusters", error);
      }
      names.push(...(page.clusters ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  }

  /** The clusters of one region as references (ARN, account, region, name), sorted by name. */
  async clusters(region: string): Promise<ClusterRef[]> {
    const [account, names] = await Promise.all([this.account(region), this.clusterNames(region)]);
    const partition = partitionOfRegion(region);
    return [...names].sort().map((name) => ({ arn: clusterArnOf(partition, region, account, name), account, region, name }));
  }

  destroy(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }
}
