// Which clusters exist: the caller's account (STS) and the cluster names of each region (EKS ListClusters), as
// cluster references. The sweep and `eks-warden scan` start here, then collect each cluster with the same
// EksCollector, whose per-region clients the inventory shares. No SDK here: it composes the two adapters.

import { clusterArnOf, partitionOfRegion } from "../arn.ts";
import type { ClusterIdentity } from "../model.ts";
import { EksCollector } from "./eks.ts";
import { StsIdentity } from "./sts.ts";

export interface ClusterInventoryOptions {
  /** The EKS adapter to list with (share the collector's, so each region has one client); default a new one. */
  readonly eks?: EksCollector;
  /** The STS adapter; default a new one. */
  readonly sts?: StsIdentity;
}

export class ClusterInventory {
  readonly eks: EksCollector;
  readonly #sts: StsIdentity;
  readonly #ownsEks: boolean;

  constructor(options: ClusterInventoryOptions = {}) {
    this.eks = options.eks ?? new EksCollector();
    this.#ownsEks = options.eks === undefined;
    this.#sts = options.sts ?? new StsIdentity();
  }

  /** The 12-digit account the credentials belong to (asked once). */
  account(region: string): Promise<string> {
    return this.#sts.account(region);
  }

  /** The region the SDK would use, or undefined when none is configured. */
  defaultRegion(): Promise<string | undefined> {
    return this.#sts.defaultRegion();
  }

  /**
   * The clusters of one region as references (ARN, account, region, name), sorted by name: of the caller's own
   * account, or of `memberAccount`, listed in its read-only role (the collector's AccountCredentials).
   */
  async clusters(region: string, memberAccount?: string): Promise<ClusterIdentity[]> {
    const [account, names] = await Promise.all([memberAccount ?? this.account(region), this.eks.clusterNames(region, memberAccount)]);
    const partition = partitionOfRegion(region);
    return [...names].sort().map((name) => ({ arn: clusterArnOf(partition, region, account, name), account, region, name }));
  }

  /** Closes the EKS clients, when the inventory created the collector. */
  destroy(): void {
    if (this.#ownsEks) this.eks.destroy();
  }
}
