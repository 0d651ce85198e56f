// The EKS adapter, the only code that calls the EKS SDK: ListClusters for the inventory; DescribeCluster + node
// groups + add-ons + the version catalogue -> ClusterSnapshot; DescribeUpdate for the settle worker. One client per
// region, created on first use and shared by every call (retry policy: client-config.ts). Failures are thrown as
// typed errors (sdk-errors.ts), so the Lambda's own retry and the dead-letter queue take over.

import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeClusterVersionsCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListAddonsCommand,
  ListClustersCommand,
  ListNodegroupsCommand,
  type EKSClientConfig,
} from "@aws-sdk/client-eks";
import { AccessDenied, ClusterNotFound, EksUnavailable, UpdateNotFound } from "../errors.ts";
import type { VersionCatalogue } from "../model.ts";
import type { ClusterRef, CollectedCluster, EksPort, UpdateStatus } from "../pipeline/ports.ts";
import { normaliseCluster, normaliseVersionCatalogue } from "../snapshot.ts";
import { CLIENT_CONFIG } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";

/** The catalogue changes a few times a year: one read per region per hour is plenty. */
const CATALOGUE_TTL_MS = 60 * 60 * 1000;

export interface EksCollectorOptions {
  /** A client per region; defaults to a new EKSClient for the region with the shared retry policy. */
  readonly clientFor?: (region: string) => EKSClient;
  /** Merged into every client's configuration (endpoint, credentials, profile). */
  readonly clientConfig?: EKSClientConfig;
  /** The clock for the catalogue cache (an adapter may read time; logic may not). */
  readonly now?: () => Date;
}

/** EKS's own case: ResourceNotFoundException names the cluster, or (DescribeUpdate) the update. */
export function translateEksError(operation: string, cluster: ClusterRef | undefined, error: unknown, updateId?: string): Error {
  return translateSdkError("EKS", operation, error, (name, cause) => {
    if (name !== "ResourceNotFoundException" || cluster === undefined) return undefined;
    if (updateId !== undefined && /update/i.test(cause.message)) return new UpdateNotFound(cluster.arn, updateId, { cause });
    return new ClusterNotFound(cluster.arn, { cause });
  });
}

/** One page of a listing: its items and the token of the next page. */
interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string | undefined;
}

export class EksCollector implements EksPort {
  readonly #clients = new Map<string, EKSClient>();
  readonly #created = new Set<EKSClient>();
  readonly #catalogues = new Map<string, { catalogue: VersionCatalogue; at: number }>();
  /** A read of a region's catalogue in flight: concurrent collections (the sweep's pool) share it instead of each asking. */
  readonly #reading = new Map<string, Promise<VersionCatalogue | undefined>>();
  readonly #options: EksCollectorOptions;

  constructor(options: EksCollectorOptions = {}) {
    this.#options = options;
  }

  #client(region: string): EKSClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = this.#options.clientFor?.(region);
      if (!client) {
        client = new EKSClient({ region, ...CLIENT_CONFIG, ...this.#options.clientConfig });
        this.#created.add(client);
      }
      this.#clients.set(region, client);
    }
    return client;
  }

  async #call<T>(operation: string, region: string, cluster: ClusterRef | undefined, run: (client: EKSClient) => Promise<T>, updateId?: string): Promise<T> {
    try {
      return await run(this.#client(region));
    } catch (error) {
      throw translateEksError(operation, cluster, error, updateId);
    }
  }

  /** Every item of a paged listing. */
  async #all<T>(operation: string, region: string, cluster: ClusterRef | undefined, page: (client: EKSClient, token: { nextToken?: string }) => Promise<Page<T>>): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined;
    do {
      const token = next;
      const result = await this.#call(operation, region, cluster, (client) => page(client, token ? { nextToken: token } : {}));
      items.push(...result.items);
      next = result.next;
    } while (next);
    return items;
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
    let reading = this.#reading.get(cluster.region);
    if (!reading) {
      reading = this.#readCatalogue(cluster, nowMs).finally(() => this.#reading.delete(cluster.region));
      this.#reading.set(cluster.region, reading);
    }
    return reading;
  }

  async #readCatalogue(cluster: ClusterRef, nowMs: number): Promise<VersionCatalogue | undefined> {
    let versions: unknown[];
    try {
      versions = await this.#all("DescribeClusterVersions", cluster.region, cluster, async (client, token) => {
        const page = await client.send(new DescribeClusterVersionsCommand(token));
        return { items: page.clusterVersions ?? [], next: page.nextToken };
      });
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
    const described = await this.#call("DescribeCluster", cluster.region, cluster, (client) => client.send(new DescribeClusterCommand({ name: cluster.name })));
    if (!described.cluster) throw new EksUnavailable("DescribeCluster", { cause: new Error(`DescribeCluster of ${cluster.arn} returned no cluster`) });
    const [nodegroupNames, addonNames, versions] = await Promise.all([
      this.#all("ListNodegroups", cluster.region, cluster, async (client, token) => {
        const page = await client.send(new ListNodegroupsCommand({ clusterName: cluster.name, ...token }));
        return { items: page.nodegroups ?? [], next: page.nextToken };
      }),
      this.#all("ListAddons", cluster.region, cluster, async (client, token) => {
        const page = await client.send(new ListAddonsCommand({ clusterName: cluster.name, ...token }));
        return { items: page.addons ?? [], next: page.nextToken };
      }),
      this.versionCatalogue(cluster),
    ]);
    const [nodegroups, addons] = await Promise.all([
      this.#describeEach(nodegroupNames, async (nodegroupName) => {
        const result = await this.#call("DescribeNodegroup", cluster.region, cluster, (client) => client.send(new DescribeNodegroupCommand({ clusterName: cluster.name, nodegroupName })));
        return result.nodegroup;
      }),
      this.#describeEach(addonNames, async (addonName) => {
        const result = await this.#call("DescribeAddon", cluster.region, cluster, (client) => client.send(new DescribeAddonCommand({ clusterName: cluster.name, addonName })));
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
      cluster.region,
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

  /** Every cluster name in the region, all pages (ListClusters). */
  clusterNames(region: string): Promise<string[]> {
    return this.#all("ListClusters", region, undefined, async (client, token) => {
      const page = await client.send(new ListClustersCommand(token));
      return { items: page.clusters ?? [], next: page.nextToken };
    });
  }

  /** Closes the clients this collector created (not those `clientFor` handed it). */
  destroy(): void {
    for (const client of this.#created) client.destroy();
    this.#created.clear();
    this.#clients.clear();
  }
}
