// The EKS world: clusters per account and region with their node groups, add-ons, insights and updates,
// plus the global catalogues. Everything is kept in wire shape (timestamps as epoch seconds).

import type { JsonObject } from "../fleet.ts";

export interface UpdateRecord {
  /** The Update object as DescribeUpdate returns it. */
  readonly data: JsonObject & { id: string; status: string; type: string };
  readonly nodegroupName?: string;
  readonly addonName?: string;
}

export interface NodegroupRecord {
  data: JsonObject;
  activeUpdate?: UpdateRecord;
}

export interface AddonRecord {
  data: JsonObject;
  activeUpdate?: UpdateRecord;
}

/** An access entry (DescribeAccessEntry's AccessEntry) with its associated policies, by policy ARN. */
export interface AccessEntryRecord {
  data: JsonObject;
  readonly policies: Map<string, JsonObject>;
}

export interface ClusterRecord {
  readonly account: string;
  readonly region: string;
  readonly name: string;
  /** The cluster as DescribeCluster shows it: during an update this stays the OLD configuration. */
  data: JsonObject;
  readonly updates: UpdateRecord[];
  /** The cluster-level update in progress, if any; a second one is refused with ResourceInUseException. */
  activeUpdate?: UpdateRecord;
  readonly nodegroups: Map<string, NodegroupRecord>;
  readonly addons: Map<string, AddonRecord>;
  insights: JsonObject[];
  /** Access entries by principal ARN, in creation order. */
  readonly accessEntries: Map<string, AccessEntryRecord>;
  /** OIDC identity providers (OidcIdentityProviderConfig) by name. */
  readonly identityProviders: Map<string, JsonObject>;
  /** clientRequestToken -> update id, so that a retried call returns the same update instead of a conflict. */
  readonly requestTokens: Map<string, string>;
}

export class EksStore {
  readonly #clusters = new Map<string, Map<string, ClusterRecord>>();
  clusterVersions: JsonObject[] = [];
  addonVersions: JsonObject[] = [];

  #scope(account: string, region: string): Map<string, ClusterRecord> {
    const key = `${account}/${region}`;
    let scope = this.#clusters.get(key);
    if (!scope) {
      scope = new Map();
      this.#clusters.set(key, scope);
    }
    return scope;
  }

  get(account: string, region: string, name: string): ClusterRecord | undefined {
    return this.#clusters.get(`${account}/${region}`)?.get(name);
  }

  /** Cluster names of one account and region, sorted so pagination tokens stay stable. */
  names(account: string, region: string): string[] {
    return [...(this.#clusters.get(`${account}/${region}`)?.keys() ?? [])].sort();
  }

  add(record: ClusterRecord): void {
    this.#scope(record.account, record.region).set(record.name, record);
  }

  remove(record: ClusterRecord): void {
    this.#clusters.get(`${record.account}/${record.region}`)?.delete(record.name);
  }

  /** Every cluster, for programmatic inspection by tests and the local runner. */
  all(): ClusterRecord[] {
    return [...this.#clusters.values()].flatMap((scope) => [...scope.values()]);
  }
}

export function newClusterRecord(account: string, region: string, data: JsonObject): ClusterRecord {
  return {
    account,
    region,
    name: String(data["name"]),
    data,
    updates: [],
    nodegroups: new Map(),
    addons: new Map(),
    insights: [],
    accessEntries: new Map(),
    identityProviders: new Map(),
    requestTokens: new Map(),
  };
}
