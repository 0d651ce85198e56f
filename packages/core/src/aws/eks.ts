// The EKS adapter, the only code that calls the EKS SDK: ListClusters for the inventory; DescribeCluster and, as
// the rules that run need them (their `reads`), node groups, add-ons and their catalogue, upgrade insights (and
// DescribeInsight of those in ERROR or WARNING, for their recommendation), the version catalogue and (through the
// SSM adapter) the latest AMI releases -> ClusterSnapshot; DescribeUpdate for the settle worker. One client per
// region, created on first use and shared by every call (retry policy: client-config.ts). Catalogues are cached per
// region, concurrent callers sharing the request in flight (shared-cache.ts). Failures are thrown as typed errors
// (sdk-errors.ts), so the Lambda's own retry and the dead-letter queue take over.

import {
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeAddonVersionsCommand,
  DescribeClusterCommand,
  DescribeClusterVersionsCommand,
  DescribeIdentityProviderConfigCommand,
  DescribeInsightCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAddonsCommand,
  ListAssociatedAccessPoliciesCommand,
  ListClustersCommand,
  ListIdentityProviderConfigsCommand,
  ListInsightsCommand,
  ListNodegroupsCommand,
  type InsightSummary,
  UpdateClusterConfigCommand,
  type EKSClientConfig,
} from "@aws-sdk/client-eks";
import { AccessDenied, AccessItemNotFound, AlreadyAtDesiredConfiguration, ClusterNotFound, EksRequestRejected, EksUnavailable, InsightNotFound, UpdateInProgress, UpdateNotFound } from "../errors.ts";
import { amiReleaseSource } from "../ami.ts";
import { DATA_KINDS, FAILING_INSIGHT_STATUSES, type AddonVersionInfo, type AmiReleases, type ClusterIdentity, type ClusterSnapshot, type DataKind, type VersionCatalogue } from "../model.ts";
import type { AttemptObserver, CollectedCluster, EksPort, UpdateStatus } from "../pipeline/ports.ts";
import type { EksWriter, StartedUpdate } from "../remediation/ports.ts";
import type { UpdateClusterConfigInput } from "../remediation/plan.ts";
import { normaliseAddonVersions, normaliseCluster, normaliseVersionCatalogue, type AccessEntryReading, type IdentityProviderReading, type InsightDescription } from "../snapshot.ts";
import { clientConfig } from "./client-config.ts";
import { RegionalClients } from "./regional-clients.ts";
import { readsClosure } from "../permissions.ts";
import { sdkErrorName, THROTTLING_ERRORS, translateSdkError } from "./sdk-errors.ts";
import { SharedCache } from "./shared-cache.ts";
import { SsmParameters, type SsmParametersOptions } from "./ssm.ts";
import type { AccountCredentials, AccountPurpose } from "./sts.ts";

/** The catalogues change a few times a year (add-ons: a few times a month): one read per region per hour is plenty. */
const CATALOGUE_TTL_MS = 60 * 60 * 1000;

/** The only insight category the rules judge (upgrade-insights). */
export const INSIGHT_CATEGORY = "UPGRADE_READINESS";

export interface EksCollectorOptions {
  /** A client per region; defaults to a new EKSClient for the region with the shared retry policy. */
  readonly clientFor?: (region: string) => EKSClient;
  /** Merged into every client's configuration (endpoint, credentials, profile). */
  readonly clientConfig?: EKSClientConfig;
  /** The clock for the catalogue cache (an adapter may read time; logic may not). */
  readonly now?: () => Date;
  /** The SSM adapter for the AMI release parameters; default a new one with `ssmClientConfig`. */
  readonly ssm?: SsmParameters;
  /** Merged into the default SSM adapter's client configuration. */
  readonly ssmClientConfig?: SsmParametersOptions["clientConfig"];
  /**
   * The member accounts' credentials (AssumeRole): a cluster of a member account is read with its read-only role and
   * remediated with its remediation role, through clients of its own. Any other account: the caller's credentials.
   */
  readonly accounts?: AccountCredentials;
}

/**
 * What a ResourceNotFoundException may be about besides the cluster: DescribeUpdate's update, DescribeInsight's
 * insight, an access entry's principal, an identity provider's name.
 */
export type EksItemRef = { readonly updateId: string } | { readonly insightId: string } | { readonly principalArn: string } | { readonly identityProvider: string };

/** EKS's own case: ResourceNotFoundException names the cluster, or (DescribeUpdate, DescribeInsight) the item asked for. */
export function translateEksError(operation: string, cluster: ClusterIdentity | undefined, error: unknown, item?: EksItemRef): Error {
  return translateSdkError("EKS", operation, error, (name, cause) => {
    if (name !== "ResourceNotFoundException" || cluster === undefined) return undefined;
    if (item !== undefined && "updateId" in item && /update/i.test(cause.message)) return new UpdateNotFound(cluster.arn, item.updateId, { cause });
    if (item !== undefined && "insightId" in item && /insight/i.test(cause.message)) return new InsightNotFound(cluster.arn, item.insightId, { cause });
    if (item !== undefined && "principalArn" in item && /access entry|principal/i.test(cause.message)) return new AccessItemNotFound(cluster.arn, `access entry ${item.principalArn}`, { cause });
    if (item !== undefined && "identityProvider" in item && /identity provider/i.test(cause.message)) return new AccessItemNotFound(cluster.arn, `identity provider ${item.identityProvider}`, { cause });
    return new ClusterNotFound(cluster.arn, { cause });
  });
}

/** One page of a listing: its items and the token of the next page. */
interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string | undefined;
}

/** UpdateClusterConfig's own cases: another update running, nothing to change, a request EKS refuses. */
export function translateUpdateError(cluster: ClusterIdentity, error: unknown): Error {
  return translateSdkError("EKS", "UpdateClusterConfig", error, (name, cause) => {
    if (name === "ResourceInUseException") return new UpdateInProgress(cluster.arn, { cause });
    if (name === "InvalidParameterException" && /already at the desired configuration/i.test(cause.message)) return new AlreadyAtDesiredConfiguration(cluster.arn, { cause });
    if (name === "InvalidParameterException" || name === "InvalidRequestException") return new EksRequestRejected(cluster.arn, name, cause.message, { cause });
    if (name === "ResourceNotFoundException") return new ClusterNotFound(cluster.arn, { cause });
    return undefined;
  });
}

/**
 * Reports every attempt of the client's calls to the observers: inside the SDK's retry (finalizeRequest, after it),
 * so each retry is an attempt, and outside the deserialiser, so a failure has EKS's error name.
 */
function reportAttempts(client: EKSClient, observers: ReadonlySet<AttemptObserver>): EKSClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      if (observers.size === 0) return next(args);
      const started = [...observers].map((observer) => [observer, observer.attemptStarted()] as const);
      try {
        const result = await next(args);
        for (const [observer, token] of started) observer.attemptEnded(token, "ok");
        return result;
      } catch (error) {
        const outcome = THROTTLING_ERRORS.has(sdkErrorName(error)) ? "throttled" : "error";
        for (const [observer, token] of started) observer.attemptEnded(token, outcome);
        throw error;
      }
    },
    { step: "finalizeRequest", priority: "low", name: "eksWardenAttemptObserver" },
  );
  return client;
}

/**
 * The SDK's own option to resolve each command's middleware stack once per client, not on every send: a scan sends
 * ten calls per cluster, and rebuilding the stack (getMiddlewareList, resolveMiddleware) was about 6% of its CPU.
 * No middleware is added after a client's first send (reportAttempts adds its observer as the client is made),
 * which is what the option asks of its users.
 */
const EKS_CLIENT_CONFIG = { cacheMiddleware: true } as const;

export class EksCollector implements EksPort, EksWriter {
  readonly #clients: RegionalClients<EKSClient>;
  /** Per member account and purpose, its own regional clients, signed with that account's role. */
  readonly #memberClients = new Map<string, RegionalClients<EKSClient>>();
  readonly #catalogues: SharedCache<VersionCatalogue>;
  readonly #addonVersions: SharedCache<AddonVersionInfo | undefined>;
  readonly #options: EksCollectorOptions;
  readonly #observers = new Set<AttemptObserver>();
  #ssm: SsmParameters | undefined;

  constructor(options: EksCollectorOptions = {}) {
    this.#options = options;
    this.#clients = new RegionalClients((region) => reportAttempts(new EKSClient({ region, ...clientConfig(), ...EKS_CLIENT_CONFIG, ...options.clientConfig }), this.#observers), options.clientFor);
    this.#catalogues = new SharedCache(CATALOGUE_TTL_MS, () => this.#nowMs());
    this.#addonVersions = new SharedCache(CATALOGUE_TTL_MS, () => this.#nowMs());
    this.#ssm = options.ssm;
  }

  #nowMs(): number {
    return (this.#options.now?.() ?? new Date()).getTime();
  }

  get #ssmParameters(): SsmParameters {
    this.#ssm ??= new SsmParameters({ ...(this.#options.ssmClientConfig && { clientConfig: this.#options.ssmClientConfig }), ...(this.#options.now && { now: this.#options.now }) });
    return this.#ssm;
  }

  /** The client for the region, in the account's role when it is a member account (else the caller's own). */
  #client(region: string, account?: string, purpose: AccountPurpose = "read"): EKSClient {
    const credentials = account === undefined ? undefined : this.#options.accounts?.provider(account, purpose);
    if (!credentials) return this.#clients.get(region);
    const key = `${account}\n${purpose}`;
    let clients = this.#memberClients.get(key);
    if (!clients) {
      clients = new RegionalClients((clientRegion) => reportAttempts(new EKSClient({ region: clientRegion, ...clientConfig(), ...EKS_CLIENT_CONFIG, ...this.#options.clientConfig, credentials }), this.#observers));
      this.#memberClients.set(key, clients);
    }
    return clients.get(region);
  }

  async #call<T>(operation: string, region: string, cluster: ClusterIdentity | undefined, run: (client: EKSClient) => Promise<T>, item?: EksItemRef, account = cluster?.account): Promise<T> {
    try {
      return await run(this.#client(region, account));
    } catch (error) {
      throw translateEksError(operation, cluster, error, item);
    }
  }

  /** Every item of a paged listing (about `item` of the cluster when given: its not-found is about that item). */
  async #all<T>(operation: string, region: string, cluster: ClusterIdentity | undefined, page: (client: EKSClient, token: { nextToken?: string }) => Promise<Page<T>>, account = cluster?.account, item?: EksItemRef): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined;
    do {
      const token = next;
      const result = await this.#call(operation, region, cluster, (client) => page(client, token ? { nextToken: token } : {}), item, account);
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

  /** DescribeClusterVersions of the region (all pages), or undefined without the permission (version rules: ERROR). */
  async versionCatalogue(cluster: ClusterIdentity): Promise<VersionCatalogue | undefined> {
    try {
      return await this.#catalogues.get(cluster.region, async () => {
        const versions = await this.#all("DescribeClusterVersions", cluster.region, cluster, async (client, token) => {
          const page = await client.send(new DescribeClusterVersionsCommand(token));
          return { items: page.clusterVersions ?? [], next: page.nextToken };
        });
        return normaliseVersionCatalogue({ clusterVersions: versions }, { retrievedAt: new Date(this.#nowMs()) });
      });
    } catch (error) {
      // Without the permission the version rules report ERROR (unknown); the endpoint rules still decide.
      if (error instanceof AccessDenied) return undefined;
      throw error;
    }
  }

  /** What DescribeAddonVersions says of one add-on on one Kubernetes version (undefined: EKS does not list it). */
  #addonVersionInfo(cluster: ClusterIdentity, addonName: string, kubernetesVersion: string): Promise<AddonVersionInfo | undefined> {
    return this.#addonVersions.get(`${cluster.region}\n${addonName}\n${kubernetesVersion}`, async () => {
      const addons = await this.#all("DescribeAddonVersions", cluster.region, cluster, async (client, token) => {
        const page = await client.send(new DescribeAddonVersionsCommand({ addonName, kubernetesVersion, ...token }));
        return { items: page.addons ?? [], next: page.nextToken };
      });
      return normaliseAddonVersions(addons, kubernetesVersion).find((info) => info.addonName === addonName);
    });
  }

  /** The catalogue entries of the snapshot's add-ons, or undefined without the permission (addon-outdated: ERROR). */
  async #addonCatalogue(cluster: ClusterIdentity, snapshot: ClusterSnapshot): Promise<AddonVersionInfo[] | undefined> {
    const version = snapshot.version;
    if (version === undefined) return [];
    try {
      const infos = await Promise.all([...new Set((snapshot.addons ?? []).map((addon) => addon.name))].map((name) => this.#addonVersionInfo(cluster, name, version)));
      return infos.filter((info): info is AddonVersionInfo => info !== undefined);
    } catch (error) {
      if (error instanceof AccessDenied) return undefined;
      throw error;
    }
  }

  /** The latest release of each node group's AMI type (SSM public parameters), or undefined without the permission. */
  async #amiReleases(cluster: ClusterIdentity, snapshot: ClusterSnapshot): Promise<AmiReleases | undefined> {
    const parameters = (snapshot.nodegroups ?? []).flatMap((group) => {
      const source = amiReleaseSource(group.amiType, group.version);
      return source.kind === "parameter" ? [source.parameter] : [];
    });
    if (parameters.length === 0) return {};
    try {
      return await this.#ssmParameters.values(cluster.region, parameters);
    } catch (error) {
      if (error instanceof AccessDenied) return undefined;
      throw error;
    }
  }

  /**
   * The upgrade-readiness insights of the cluster (ListInsights, all pages), and DescribeInsight of each one in ERROR
   * or WARNING: only those have a recommendation to act on, so a passing or unknown insight costs no call.
   */
  async #insights(cluster: ClusterIdentity): Promise<{ summaries: InsightSummary[]; descriptions: Record<string, InsightDescription> }> {
    const summaries = await this.#all("ListInsights", cluster.region, cluster, async (client, token) => {
      const page = await client.send(new ListInsightsCommand({ clusterName: cluster.name, filter: { categories: [INSIGHT_CATEGORY] }, ...token }));
      return { items: page.insights ?? [], next: page.nextToken };
    });
    const failing = summaries.flatMap((summary) => (summary.id !== undefined && FAILING_INSIGHT_STATUSES.has(summary.insightStatus?.status ?? "") ? [summary.id] : []));
    const described = await Promise.all(failing.map(async (id) => [id, await this.#describeInsight(cluster, id)] as const));
    return { summaries, descriptions: Object.fromEntries(described) };
  }

  /**
   * DescribeInsight of one insight. Without the permission, or with the insight gone since the listing, the insight
   * is unreadable (upgrade-insights: ERROR for it, never PASS). Throttling and outages are thrown, as for every other
   * read of the collection, so that the callers' retries (SDK, sweep backoff, Lambda and its dead-letter queue) apply.
   */
  async #describeInsight(cluster: ClusterIdentity, id: string): Promise<InsightDescription> {
    try {
      const { insight } = await this.#call("DescribeInsight", cluster.region, cluster, (client) => client.send(new DescribeInsightCommand({ clusterName: cluster.name, id })), { insightId: id });
      return insight ? { insight } : { unreadable: "DescribeInsight returned no insight" };
    } catch (error) {
      if (error instanceof AccessDenied || error instanceof InsightNotFound) return { unreadable: error.message };
      throw error;
    }
  }

  /**
   * Every access entry of the cluster (ListAccessEntries, all pages), each described with every page of its
   * associated policies. A cluster in CONFIG_MAP mode has no access entries (EKS refuses the listing): no call. An
   * entry whose describe or policies are denied, or that went mid-read, is kept as unreadable (the access rules then
   * ERROR); without ListAccessEntries itself the entries are unread (undefined: ERROR too). Throttling and outages
   * are thrown, as for every other read, so that the retries apply.
   */
  async #accessEntries(cluster: ClusterIdentity, authenticationMode: string | undefined): Promise<AccessEntryReading[] | undefined> {
    if (authenticationMode === undefined || authenticationMode === "CONFIG_MAP") return [];
    let principals: string[];
    try {
      principals = await this.#all("ListAccessEntries", cluster.region, cluster, async (client, token) => {
        const page = await client.send(new ListAccessEntriesCommand({ clusterName: cluster.name, ...token }));
        return { items: page.accessEntries ?? [], next: page.nextToken };
      });
    } catch (error) {
      if (error instanceof AccessDenied) return undefined;
      throw error;
    }
    return Promise.all(principals.map((principalArn) => this.#accessEntry(cluster, principalArn)));
  }

  async #accessEntry(cluster: ClusterIdentity, principalArn: string): Promise<AccessEntryReading> {
    const item = { principalArn };
    try {
      const [described, policies] = await Promise.all([
        this.#call("DescribeAccessEntry", cluster.region, cluster, (client) => client.send(new DescribeAccessEntryCommand({ clusterName: cluster.name, principalArn })), item),
        this.#all(
          "ListAssociatedAccessPolicies",
          cluster.region,
          cluster,
          async (client, token) => {
            const page = await client.send(new ListAssociatedAccessPoliciesCommand({ clusterName: cluster.name, principalArn, ...token }));
            return { items: page.associatedAccessPolicies ?? [], next: page.nextToken };
          },
          cluster.account,
          item,
        ),
      ]);
      return described.accessEntry ? { entry: described.accessEntry, policies } : { principalArn, unreadable: "DescribeAccessEntry returned no access entry" };
    } catch (error) {
      if (error instanceof AccessDenied || error instanceof AccessItemNotFound) return { principalArn, unreadable: error.message };
      throw error;
    }
  }

  /** The cluster's identity providers (ListIdentityProviderConfigs, all pages), each described; same rules as entries. */
  async #identityProviders(cluster: ClusterIdentity): Promise<IdentityProviderReading[] | undefined> {
    let listed: { type?: string | undefined; name?: string | undefined }[];
    try {
      listed = await this.#all("ListIdentityProviderConfigs", cluster.region, cluster, async (client, token) => {
        const page = await client.send(new ListIdentityProviderConfigsCommand({ clusterName: cluster.name, ...token }));
        return { items: page.identityProviderConfigs ?? [], next: page.nextToken };
      });
    } catch (error) {
      if (error instanceof AccessDenied) return undefined;
      throw error;
    }
    return Promise.all(
      listed.map(async ({ type = "oidc", name = "" }): Promise<IdentityProviderReading> => {
        try {
          const described = await this.#call(
            "DescribeIdentityProviderConfig",
            cluster.region,
            cluster,
            (client) => client.send(new DescribeIdentityProviderConfigCommand({ clusterName: cluster.name, identityProviderConfig: { type, name } })),
            { identityProvider: name },
          );
          return described.identityProviderConfig ? { config: described.identityProviderConfig } : { name, type, unreadable: "DescribeIdentityProviderConfig returned no configuration" };
        } catch (error) {
          if (error instanceof AccessDenied || error instanceof AccessItemNotFound) return { name, type, unreadable: error.message };
          throw error;
        }
      }),
    );
  }

  /** Every item of a cluster's listing, each described; a listing not asked for is undefined. */
  async #listed(wanted: boolean, list: () => Promise<string[]>, describe: (name: string) => Promise<unknown>): Promise<unknown[] | undefined> {
    if (!wanted) return undefined;
    const described = await this.#describeEach(await list(), describe);
    return described.filter((item) => item !== undefined);
  }

  /**
   * DescribeCluster, and of the other data only the kinds in `reads` (with what they need): by default everything,
   * for every rule. Pass `readsFor(rules)` (rules/index.ts) to read only what the rules that run judge.
   */
  async collect(cluster: ClusterIdentity, reads: Iterable<DataKind> = DATA_KINDS): Promise<CollectedCluster> {
    const kinds = readsClosure(reads);
    const described = await this.#call("DescribeCluster", cluster.region, cluster, (client) => client.send(new DescribeClusterCommand({ name: cluster.name })));
    if (!described.cluster) throw new EksUnavailable("DescribeCluster", { cause: new Error(`DescribeCluster of ${cluster.arn} returned no cluster`) });
    const authenticationMode = described.cluster.accessConfig?.authenticationMode;
    const [nodegroups, addons, insights, versions, accessEntries, identityProviders] = await Promise.all([
      this.#listed(
        kinds.has("nodegroups"),
        () =>
          this.#all("ListNodegroups", cluster.region, cluster, async (client, token) => {
            const page = await client.send(new ListNodegroupsCommand({ clusterName: cluster.name, ...token }));
            return { items: page.nodegroups ?? [], next: page.nextToken };
          }),
        async (nodegroupName) => (await this.#call("DescribeNodegroup", cluster.region, cluster, (client) => client.send(new DescribeNodegroupCommand({ clusterName: cluster.name, nodegroupName })))).nodegroup,
      ),
      this.#listed(
        kinds.has("addons"),
        () =>
          this.#all("ListAddons", cluster.region, cluster, async (client, token) => {
            const page = await client.send(new ListAddonsCommand({ clusterName: cluster.name, ...token }));
            return { items: page.addons ?? [], next: page.nextToken };
          }),
        async (addonName) => (await this.#call("DescribeAddon", cluster.region, cluster, (client) => client.send(new DescribeAddonCommand({ clusterName: cluster.name, addonName })))).addon,
      ),
      kinds.has("insights") ? this.#insights(cluster) : undefined,
      kinds.has("versionCatalogue") ? this.versionCatalogue(cluster) : undefined,
      kinds.has("accessEntries") ? this.#accessEntries(cluster, authenticationMode) : undefined,
      kinds.has("identityProviders") ? this.#identityProviders(cluster) : undefined,
    ]);
    const record = described.cluster as unknown as Record<string, unknown>;
    const snapshot = normaliseCluster(record, {
      ...(nodegroups && { nodegroups }),
      ...(addons && { addons }),
      ...(insights && { insights: insights.summaries, insightDescriptions: insights.descriptions }),
      ...(accessEntries && { accessEntries }),
      ...(identityProviders && { identityProviders }),
      identity: { account: cluster.account, region: cluster.region },
    });
    const [addonVersions, amiReleases] = await Promise.all([
      kinds.has("addonVersions") ? this.#addonCatalogue(cluster, snapshot) : undefined,
      kinds.has("amiReleases") ? this.#amiReleases(cluster, snapshot) : undefined,
    ]);
    return { snapshot, record, ...(versions && { versions }), ...(addonVersions && { addonVersions }), ...(amiReleases && { amiReleases }) };
  }

  async describeUpdate(cluster: ClusterIdentity, updateId: string, scope: { nodegroupName?: string; addonName?: string } = {}): Promise<UpdateStatus> {
    const result = await this.#call(
      "DescribeUpdate",
      cluster.region,
      cluster,
      (client) => client.send(new DescribeUpdateCommand({ name: cluster.name, updateId, ...scope })),
      { updateId },
    );
    const update = result.update;
    if (!update?.status) throw new EksUnavailable("DescribeUpdate", { cause: new Error(`DescribeUpdate ${updateId} of ${cluster.arn} returned no status`) });
    return {
      status: update.status,
      ...(update.type ? { type: update.type } : {}),
      ...(update.createdAt ? { createdAt: update.createdAt } : {}),
      errors: (update.errors ?? []).map((error) => ({ ...(error.errorCode ? { errorCode: error.errorCode } : {}), ...(error.errorMessage ? { errorMessage: error.errorMessage } : {}) })),
    };
  }

  /**
   * UpdateClusterConfig (remediation only): the one EKS write. Throws UpdateInProgress, AlreadyAtDesiredConfiguration,
   * EksRequestRejected, ClusterNotFound, AccessDenied, Throttled, EksUnavailable.
   */
  async updateClusterConfig(cluster: ClusterIdentity, input: UpdateClusterConfigInput): Promise<StartedUpdate> {
    let result;
    try {
      const { publicAccessCidrs, ...flags } = input.resourcesVpcConfig;
      result = await this.#client(cluster.region, cluster.account, "remediate").send(
        new UpdateClusterConfigCommand({ name: input.name, resourcesVpcConfig: { ...flags, ...(publicAccessCidrs ? { publicAccessCidrs: [...publicAccessCidrs] } : {}) } }),
      );
    } catch (error) {
      throw translateUpdateError(cluster, error);
    }
    const update = result.update;
    if (!update?.id) throw new EksUnavailable("UpdateClusterConfig", { cause: new Error(`UpdateClusterConfig of ${cluster.arn} returned no update id`) });
    return { updateId: update.id, status: update.status ?? "InProgress", ...(update.createdAt ? { createdAt: update.createdAt } : {}) };
  }

  /** Every cluster name in the region, all pages (ListClusters); of a member account when `account` names one. */
  clusterNames(region: string, account?: string): Promise<string[]> {
    return this.#all("ListClusters", region, undefined, async (client, token) => {
      const page = await client.send(new ListClustersCommand(token));
      return { items: page.clusters ?? [], next: page.nextToken };
    }, account);
  }

  /**
   * Tells the observer of every attempt of the EKS calls of the clients this collector creates (not those
   * `clientFor` hands it), retries included, until the returned function is called.
   */
  observeAttempts(observer: AttemptObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Closes the clients this collector created (not those `clientFor` handed it), and the SSM adapter's if it made it. */
  destroy(): void {
    if (this.#ssm !== this.#options.ssm) this.#ssm?.destroy();
    this.#clients.destroy();
    for (const clients of this.#memberClients.values()) clients.destroy();
    this.#memberClients.clear();
  }
}
