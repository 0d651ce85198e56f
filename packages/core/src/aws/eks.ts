// The EKS collector adapter: DescribeCluster + node groups + add-ons + the version catalogue -> ClusterSnapshot,
// and DescribeUpdate for the settle worker. The only code that calls the EKS SDK.
//
// Retries: the SDK retries throttling and 5xx itself; here 6 attempts in "standard" mode (exponential backoff with
// jitter, 0.5 s base for throttling: about 15 s before giving up). Not "adaptive": its client-side rate limiter
// keeps slowing every later call of a warm function after one burst of throttles (measured: 3x slower under 30%
// throttling). What still fails is translated into a typed error and thrown, so the Lambda's own retry and the
// dead-letter queue take over.

import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeClusterVersionsCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListAddonsCommand,
  ListNodegroupsCommand,
  type EKSClientConfig,
} from "@aws-sdk/client-eks";
import type { VersionCatalogue } from "../model.ts";
import type { ClusterRef, CollectedCluster, EksPort, UpdateStatus } from "../pipeline/ports.ts";
import { normaliseCluster, normaliseVersionCatalogue } from "../snapshot.ts";
import { AccessDenied, ClusterNotFound, EksUnavailable, Throttled, UpdateNotFound } from "../errors.ts";

export const EKS_MAX_ATTEMPTS = 6;
/** The catalogue changes a few times a year: one read per region per hour is plenty. */
const CATALOGUE_TTL_MS = 60 * 60 * 1000;
const THROTTLING = new Set(["ThrottlingException", "TooManyRequestsException"]);

export interface EksCollectorOptions {
  /** A client per region; defaults to a new EKSClient for the region with the retry settings above. */
  readonly clientFor?: (region: string) => EKSClient;
  readonly clientConfig?: EKSClientConfig;
  /** The clock for the catalogue cache (an adapter may read time; logic may not). */
  readonly now?: () => Date;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

/** SDK error -> typed error, with the SDK error as cause. */
export function translateEksError(operation: string, cluster: ClusterRef, error: unknown, updateId?: string): Error {
  const name = errorName(error);
  if (name === "ResourceNotFoundException") {
    if (updateId !== undefined && /update/i.test(error instanceof Error ? error.message : "")) return new UpdateNotFound(cluster.arn, updateId, { cause: error });
    return new ClusterNotFound(cluster.arn, { cause: error });
  }
  if (THROTTLING.has(name)) return new Throttled("EKS", operation, { cause: error });
  if (name === "AccessDeniedException" || name === "UnauthorizedException") return new AccessDenied(`eks:${operation}`, { cause: error });
  return new EksUnavailable(operation, { cause: error });
}

export class EksCollector implements EksPort {
  readonly #clients = new Map<string, EKSClient>();
  readonly #catalogues = new Map<string, { catalogue: VersionCatalogue; at: number }>();
  readonly #options: EksCollectorOptions;

  constructor(options: EksCollectorOptions = {}) {
    this.#options = options;
  }

  #client(region: string): EKSClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = this.#options.clientFor?.(region) ?? new EKSClient({ region, maxAttempts: EKS_MAX_ATTEMPTS, retryMode: "standard", ...this.#options.clientConfig });
      this.#clients.set(region, client);
    }
    return client;
  }

  async #call<T>(operation: string, cluster: ClusterRef, run: (client: EKSClient) => Promise<T>, updateId?: string): Promise<T> {
    try {
      return await run(this.#client(cluster.region));
    } catch (error) {
      throw translateEksError(operation, cluster, error, updateId);
    }
  }

  async #names(operation: string, cluster: ClusterRef, page: (client: EKSClient, token?: string) => Promise<{ names: string[]; next?: string }>): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const result = await this.#call(operation, cluster, (client) => page(client, token));
      names.push(...result.names);
      token = result.next;
    } while (token);
    return names;
  }

  /** A node group or add-on deleted between the list and the describe is simply gone: skipped. */
  async #describeEach<T>(names: readonly string[], describe: (name: string) => Promise<T>): Promise<T[]> {
    const described = await Promise.all(
      names.map(async (name) => {
        try {
          return await describe(name);
        } catch (error) {
          if (error instanceof ClusterNotFound) return undefined;
          throw error;
        }
      }),
    );
    return described.filter((item): item is Awaited<T> => item !== undefined);
  }

  async versionCatalogue(cluster: ClusterRef): Promise<VersionCatalogue | undefined> {
    const nowMs = (this.#options.now?.() ?? new Date()).getTime();
    const cached = this.#catalogues.get(cluster.region);
    if (cached && nowMs - cached.at < CATALOGUE_TTL_MS) return cached.catalogue;
    const versions: unknown[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#call("DescribeClusterVersions", cluster, (client) => client.send(new DescribeClusterVersionsCommand({ ...(token ? { nextToken: token } : {}) })));
        versions.push(...(page.clusterVersions ?? []));
        token = page.nextToken;
      } while (token);
    } catch (error) {
      // Without the permission the version rules report ERROR (unknown); the endpoint rules still decide.
      if (error instanceof AccessDenied) return undefined;
      throw error;
    }
    const catalogue = normaliseVersionCatalogue({ clusterVersions: versions }, { retrievedAt: new Date(nowMs) });
    this.#catalogues.set(cluster.region, { catalogue, at: nowMs });
    return catalogue;
  }

  async collect(cluster: ClusterRef): Promise<CollectedCluster> {
    const described = await this.#call("DescribeCluster", cluster, (client) => client.send(new DescribeClusterCommand({ name: cluster.name })));
    if (!described.cluster) throw new EksUnavailable("DescribeCluster", { cause: new Error(`DescribeCluster of ${cluster.arn} returned no cluster`) });
    const [nodegroupNames, addonNames, versions] = await Promise.all([
      this.#names("ListNodegroups", cluster, async (client, token) => {
        const page = await client.send(new ListNodegroupsCommand({ clusterName: cluster.name, ...(token ? { nextToken: token } : {}) }));
        return { names: page.nodegroups ?? [], ...(page.nextToken ? { next: page.nextToken } : {}) };
      }),
      this.#names("ListAddons", cluster, async (client, token) => {
        const page = await client.send(new ListAddonsCommand({ clusterName: cluster.name, ...(token ? { nextToken: token } : {}) }));
        return { names: page.addons ?? [], ...(page.nextToken ? { next: page.nextToken } : {}) };
      }),
      this.versionCatalogue(cluster),
    ]);
    const [nodegroups, addons] = await Promise.all([
      this.#describeEach(nodegroupNames, async (nodegroupName) => {
        const result = await this.#call("DescribeNodegroup", cluster, (client) => client.send(new DescribeNodegroupCommand({ clusterName: cluster.name, nodegroupName })));
        return result.nodegroup;
      }),
      this.#describeEach(addonNames, async (addonName) => {
        const result = await this.#call("DescribeAddon", cluster, (client) => client.send(new DescribeAddonCommand({ clusterName: cluster.name, addonName })));
        return result.addon;
      }),
    ]);
    const record = described.cluster as unknown as Record<string, unknown>;
    const snapshot = normaliseCluster(record, {
      nodegroups: nodegroups.filter((group) => group !== undefined),
      addons: addons.filter((addon) => addon !== undefined),
      identity: { account: cluster.account, region: cluster.region },
    });
    return { snapshot, ...(versions ? { versions } : {}), record };
  }

  async describeUpdate(cluster: ClusterRef, updateId: string, scope: { nodegroupName?: string; addonName?: string } = {}): Promise<UpdateStatus> {
    const result = await this.#call(
      "DescribeUpdate",
      cluster,
      (client) => client.send(new DescribeUpdateCommand({ name: cluster.name, updateId, ...scope })),
      updateId,
    );
    const update = result.update;
    if (!update?.status) throw new EksUnavailable("DescribeUpdate", { cause: new Error(`DescribeUpdate ${updateId} of ${cluster.arn} returned no status`) });
    return {
      status: update.status,
      ...(update.type ? { type: update.type } : {}),
      errors: (update.errors ?? []).map((error) => ({ ...(error.errorCode ? { errorCode: error.errorCode } : {}), ...(error.errorMessage ? { errorMessage: error.errorMessage } : {}) })),
    };
  }
}
