// The DynamoDB adapter: the only code that calls the DynamoDB SDK. Single-table design:
//   pk CLUSTER#<arn>  sk RULE#<ruleId>                         state per (cluster, rule), `version` for conditional writes
//   pk CLUSTER#<arn>  sk HISTORY#<iso>#<eventId>#<kind>         history with its cause, `expiresAt` TTL
//   pk CLUSTER#<arn>  sk OUTBOX#<id>                            alerts written with their state change, deleted once
//                                                              published (a failed publish is retried from here)
//   (HISTORY# < OUTBOX# < RULE#: one Query from OUTBOX# to the end of RULE# reads the state and the outbox, no history)
//   pk CLUSTER#<arn>  sk TAG_GRANT                              who set the exemption tag to which value, when (from the
//                                                              TagResource event); re-checked at every evaluation
//   pk CLUSTER#<arn>  sk TAG_GRANT#eks-warden:remediation       the same for the remediation override tag
//   pk CLUSTER#<arn>  sk REMEDIATION                            the cluster's remediation attempts (budget), override
//                                                              and conflict report; conditional writes on `version`
//   pk EVENT#<id>     sk EVENT                                  idempotency claim of an event id, `expiresAt` TTL
//   pk DIGEST         sk WEEK#<iso week>                        the weekly digest's snapshot (gzip JSON), `expiresAt` TTL
//   pk COVERAGE       sk ACCOUNT#<account>#REGION#<region>      whether the sweep can read that member account there
//                                                              (covered / lost, since), so coverage alerts are transitions
// State records, the history entry, the outbox and the event claim's completion of one evaluation are written in one
// TransactWriteItems, each record conditioned on the version it was computed from: a lost race is a StateConflict,
// never a lost update.

import { DynamoDBClient, TransactionCanceledException, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { gunzipSync, gzipSync } from "node:zlib";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { EVENT_CLAIM_LEASE_SECONDS, outboxIdParts, type ClusterState, type CommitOptions, type HistoryEntry, type OutboxAlert, type PendingAlerts, type StateStore } from "../pipeline/ports.ts";
import type { RecordWrite, StoredRuleState } from "../state/transitions.ts";
import type { TagGrant } from "../model.ts";
import { EXEMPTION_TAG } from "../exemptions.ts";
import type { GovernedTag } from "../monitor-tags.ts";
import type { RemediationRecord } from "../remediation/plan.ts";
import type { RemediationStore } from "../remediation/ports.ts";
import { clientConfig } from "./client-config.ts";
import { translateSdkError } from "./sdk-errors.ts";
import { StateConflict, ValidationError } from "../errors.ts";
import { SEVERITIES, type Severity } from "../model.ts";
import type { DigestWeekCounts } from "../voice/digest-report.ts";
import type { StateIndex, StoredCluster } from "../sweep/sweep.ts";
import type { CoverageRecord, CoverageState, CoverageStore } from "../sweep/coverage.ts";
import type { DigestSnapshot, DigestSnapshotStore } from "../digest/model.ts";

const DAY_SECONDS = 86_400;
/** DynamoDB's limit on items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

export interface DynamoStateStoreOptions {
  readonly tableName: string;
  /** How long history entries live (TTL), in days. */
  readonly historyTtlDays?: number;
  /** How long an event id is remembered for deduplication, in days (EventBridge retries for up to 24 hours). */
  readonly eventTtlDays?: number;
  readonly client?: DynamoDBClient;
  readonly clientConfig?: DynamoDBClientConfig;
}

export const clusterKey = (clusterArn: string): string => `CLUSTER#${clusterArn}`;
export const ruleKey = (ruleId: string): string => `RULE#${ruleId}`;
export const eventKey = (eventId: string): string => `EVENT#${eventId}`;
export const TAG_GRANT_KEY = "TAG_GRANT";
/** The exemption tag's grant keeps the key it always had; another governed tag's is keyed by the tag. */
export const tagGrantKey = (tag: GovernedTag = EXEMPTION_TAG): string => (tag === EXEMPTION_TAG ? TAG_GRANT_KEY : `${TAG_GRANT_KEY}#${tag}`);
export const outboxKey = (id: string): string => `OUTBOX#${id}`;
export const REMEDIATION_KEY = "REMEDIATION";
export function historyKey(entry: HistoryEntry): string {
  return `HISTORY#${entry.at.toISOString()}#${entry.cause.eventId ?? entry.cause.trigger}#${entry.kind}`;
}

function isConditionFailure(error: unknown): boolean {
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed");
  }
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

function pendingOf(item: Record<string, unknown>): PendingAlerts {
  return {
    id: String(item.id),
    alerts: item.alerts as OutboxAlert[],
    ...(typeof item.heldFor === "string" ? { heldFor: item.heldFor } : {}),
    ...(typeof item.heldUntil === "string" ? { heldUntil: item.heldUntil } : {}),
    ...(item.staged !== null && typeof item.staged === "object" ? { staged: item.staged as PendingAlerts["staged"] } : {}),
  };
}

/** Plain JSON: evidence may hold Dates or undefined values, which DynamoDB's marshaller refuses. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Weekly digest snapshots are kept a year: enough to compare any week with the one before. */
const DIGEST_TTL_SECONDS = 400 * DAY_SECONDS;
export const DIGEST_PARTITION = "DIGEST";
export const digestKey = (week: string): string => `WEEK#${week}`;
/** One small record per digest run (sk WEEK#<iso week>): the report's history chart reads weeks of them in one Query. */
export const DIGEST_COUNTS_PARTITION = "DIGEST_COUNTS";

/** A stored week's counts, checked: the table is input like any other, and a bad record must not draw a wrong chart. */
function weekCountsOf(item: Record<string, unknown>): DigestWeekCounts {
  const issues: { path: string; message: string }[] = [];
  const week = item.week;
  if (typeof week !== "string" || !/^\d{4}-W\d{2}$/.test(week)) issues.push({ path: "week", message: `expected an ISO week such as 2026-W49, got ${JSON.stringify(week)}` });
  const count = (value: unknown, path: string): number => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    issues.push({ path, message: `expected a whole number >= 0, got ${JSON.stringify(value)}` });
    return 0;
  };
  const stored = (typeof item.open === "object" && item.open !== null ? item.open : {}) as Record<string, unknown>;
  const open = Object.fromEntries(SEVERITIES.map((severity) => [severity, count(stored[severity], `open.${severity}`)])) as Record<Severity, number>;
  const clusters = count(item.clusters, "clusters");
  if (issues.length > 0) throw new ValidationError(`digest counts record ${JSON.stringify(String(item.sk ?? "?"))}`, issues);
  return { week: week as string, generatedAt: String(item.generatedAt ?? ""), clusters, open };
}

export const COVERAGE_PARTITION = "COVERAGE";
export const coverageKey = (account: string, region: string): string => `ACCOUNT#${account}#REGION#${region}`;

export class DynamoStateStore implements StateStore, RemediationStore, StateIndex, DigestSnapshotStore, CoverageStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #historyTtlSeconds: number;
  readonly #eventTtlSeconds: number;

  constructor(options: DynamoStateStoreOptions) {
    const client = options.client ?? new DynamoDBClient({ ...clientConfig(), ...options.clientConfig });
    this.#documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = options.tableName;
    this.#historyTtlSeconds = (options.historyTtlDays ?? 90) * DAY_SECONDS;
    this.#eventTtlSeconds = (options.eventTtlDays ?? 7) * DAY_SECONDS;
  }

  /**
   * Runs one call, translating its failure. DynamoDB's own case, a failed condition, is the caller's to say:
   * `onConditionFailed` returns the result (or throws) when given, else the failure is translated like any other.
   */
  async #call<T>(operation: string, run: () => Promise<T>, onConditionFailed?: (error: unknown) => T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (onConditionFailed && isConditionFailure(error)) return onConditionFailed(error);
      throw translateSdkError("DynamoDB", operation, error);
    }
  }

  async readState(clusterArn: string): Promise<StoredRuleState[]> {
    return (await this.readCluster(clusterArn)).records;
  }

  async readCluster(clusterArn: string): Promise<ClusterState> {
    const records: StoredRuleState[] = [];
    const pending: PendingAlerts[] = [];
    const items = await this.#queryAll({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": clusterKey(clusterArn), ":from": "OUTBOX#", ":to": "RULE$" },
      ConsistentRead: true,
    });
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith("RULE#")) {
        const { pk: _pk, sk: _sk, type: _type, ...record } = item;
        records.push(record as unknown as StoredRuleState);
      } else if (sk.startsWith("OUTBOX#")) {
        pending.push(pendingOf(item));
      }
    }
    return { records, pending };
  }

  /** Every item a query matches, page after page: a partition past 1 MB is read to its end, never cut short. */
  async #queryAll(query: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#call("Query", () => this.#documents.send(new QueryCommand({ ...query, TableName: this.#table, ...(startKey ? { ExclusiveStartKey: startKey } : {}) })));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  #historyItem(entry: HistoryEntry): Record<string, unknown> {
    return {
      pk: clusterKey(entry.clusterArn),
      sk: historyKey(entry),
      type: "HISTORY",
      ...plain(entry),
      expiresAt: Math.floor(entry.at.getTime() / 1000) + this.#historyTtlSeconds,
    };
  }

  async commit(clusterArn: string, writes: readonly RecordWrite[], history: HistoryEntry, outbox?: PendingAlerts, options: CommitOptions = {}): Promise<void> {
    const clear = options.clearOutbox ?? [];
    // The history entry and a slot for the outbox always, so that whether there are alerts never decides the limit.
    const fixed = 2 + (options.completeEvent ? 1 : 0) + clear.length;
    if (writes.length + fixed > MAX_TRANSACTION_ITEMS) {
      throw new RangeError(`commit of ${clusterArn}: ${writes.length} records exceed one transaction (at most ${MAX_TRANSACTION_ITEMS - fixed})`);
    }
    const items: Record<string, unknown>[] = writes.map((write) => ({
      Put: {
        TableName: this.#table,
        Item: { pk: clusterKey(clusterArn), sk: ruleKey(write.record.ruleId), type: "STATE", ...plain(write.record) },
        ConditionExpression: write.expectedVersion === 0 ? "attribute_not_exists(pk)" : "version = :expected",
        ...(write.expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ":expected": write.expectedVersion } }),
      },
    }));
    items.push({ Put: { TableName: this.#table, Item: this.#historyItem(history) } });
    if (outbox && (outbox.alerts.length > 0 || outbox.staged !== undefined)) {
      items.push({ Put: { TableName: this.#table, Item: this.#outboxItem(clusterArn, outbox, history.at) } });
    }
    for (const id of clear) items.push({ Delete: { TableName: this.#table, Key: { pk: clusterKey(clusterArn), sk: outboxKey(id) } } });
    if (options.completeEvent) items.push({ Update: this.#completion(options.completeEvent.eventId, options.completeEvent.at) });
    await this.#call(
      "TransactWriteItems",
      async () => {
        await this.#documents.send(new TransactWriteCommand({ TransactItems: items as never }));
      },
      (error) => {
        throw new StateConflict(clusterArn, { cause: error });
      },
    );
  }

  /** The update that marks an event's claim completed (alone, or inside a commit). */
  #completion(eventId: string, at: Date) {
    return {
      TableName: this.#table,
      Key: { pk: eventKey(eventId), sk: "EVENT" },
      UpdateExpression: "SET #status = :completed, completedAt = :at REMOVE leaseUntil",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":completed": "COMPLETED", ":at": at.toISOString() },
    };
  }

  async pendingAlerts(clusterArn: string): Promise<PendingAlerts[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :outbox)",
      ExpressionAttributeValues: { ":pk": clusterKey(clusterArn), ":outbox": "OUTBOX#" },
      ConsistentRead: true,
    });
    return items.map(pendingOf);
  }

  #outboxItem(clusterArn: string, entry: PendingAlerts, at: Date): Record<string, unknown> {
    return { pk: clusterKey(clusterArn), sk: outboxKey(entry.id), type: "OUTBOX", ...plain(entry), expiresAt: Math.floor(at.getTime() / 1000) + this.#historyTtlSeconds };
  }

  async keepPending(clusterArn: string, entry: PendingAlerts): Promise<void> {
    // The entry's own time is in its id (outboxId): its expiry runs from the judgement that wrote it.
    const at = new Date(outboxIdParts(entry.id).writtenAt || Date.now());
    await this.#call("PutItem", () => this.#documents.send(new PutCommand({ TableName: this.#table, Item: this.#outboxItem(clusterArn, entry, at) })));
  }

  async clearAlerts(clusterArn: string, id: string): Promise<void> {
    await this.#call("DeleteItem", () => this.#documents.send(new DeleteCommand({ TableName: this.#table, Key: { pk: clusterKey(clusterArn), sk: outboxKey(id) } })));
  }

  async appendHistory(entry: HistoryEntry, options: Pick<CommitOptions, "completeEvent"> = {}): Promise<void> {
    const put = { TableName: this.#table, Item: this.#historyItem(entry) };
    const completion = options.completeEvent;
    if (!completion) {
      await this.#call("PutItem", () => this.#documents.send(new PutCommand(put)));
      return;
    }
    await this.#call("TransactWriteItems", async () => {
      await this.#documents.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, { Update: this.#completion(completion.eventId, completion.at) }] }));
    });
  }

  async claimEvent(eventId: string, now: Date, clusterArn?: string): Promise<"claimed" | "duplicate"> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    return this.#call(
      "PutItem",
      async () => {
        await this.#documents.send(
          new PutCommand({
            TableName: this.#table,
            Item: {
              pk: eventKey(eventId),
              sk: "EVENT",
              type: "EVENT",
              status: "IN_PROGRESS",
              leaseUntil: nowSeconds + EVENT_CLAIM_LEASE_SECONDS,
              expiresAt: nowSeconds + this.#eventTtlSeconds,
              ...(clusterArn !== undefined && { clusterArn }),
            },
            // A claim whose holder died (lease over) may be taken over; a completed one never.
            ConditionExpression: "attribute_not_exists(pk) OR (#status = :inProgress AND leaseUntil < :now)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":inProgress": "IN_PROGRESS", ":now": nowSeconds },
          }),
        );
        return "claimed" as const;
      },
      () => "duplicate" as const,
    );
  }

  async completeEvent(eventId: string, now: Date): Promise<void> {
    await this.#call("UpdateItem", () => this.#documents.send(new UpdateCommand(this.#completion(eventId, now))));
  }

  async releaseEvent(eventId: string, completedAt?: Date): Promise<void> {
    // A claim completed meanwhile stays (the condition fails and there is nothing to give back), unless this
    // invocation completed it itself, at `completedAt`, and failed afterwards.
    await this.#call(
      "DeleteItem",
      async () => {
        await this.#documents.send(
          new DeleteCommand({
            TableName: this.#table,
            Key: { pk: eventKey(eventId), sk: "EVENT" },
            ConditionExpression: completedAt ? "#status = :inProgress OR completedAt = :at" : "#status = :inProgress",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":inProgress": "IN_PROGRESS", ...(completedAt ? { ":at": completedAt.toISOString() } : {}) },
          }),
        );
      },
      () => undefined,
    );
  }

  async readRemediation(clusterArn: string): Promise<RemediationRecord | undefined> {
    const page = await this.#call("Query", () =>
      this.#documents.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk = :sk",
          ExpressionAttributeValues: { ":pk": clusterKey(clusterArn), ":sk": REMEDIATION_KEY },
          ConsistentRead: true,
        }),
      ),
    );
    const item = page.Items?.[0];
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, type: _type, ...record } = item;
    return record as unknown as RemediationRecord;
  }

  async writeRemediation(record: RemediationRecord, expectedVersion: number): Promise<void> {
    await this.#call(
      "PutItem",
      async () => {
        await this.#documents.send(
          new PutCommand({
            TableName: this.#table,
            Item: { pk: clusterKey(record.clusterArn), sk: REMEDIATION_KEY, type: "REMEDIATION", ...plain(record) },
            ConditionExpression: expectedVersion === 0 ? "attribute_not_exists(pk)" : "version = :expected",
            ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ":expected": expectedVersion } }),
          }),
        );
      },
      (error) => {
        throw new StateConflict(record.clusterArn, { cause: error });
      },
    );
  }

  /**
   * Every cluster with open (not closed) rule records and the newest `observedAt` among them: one Scan of the table
   * (paged), filtered to rule records, reading only the key and `observedAt`. Used once a day by the sweep.
   */
  async openClusters(): Promise<StoredCluster[]> {
    const newest = new Map<string, string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#call("Scan", () =>
        this.#documents.send(
          new ScanCommand({
            TableName: this.#table,
            FilterExpression: "begins_with(sk, :rule) AND attribute_not_exists(closed)",
            ProjectionExpression: "pk, observedAt",
            ExpressionAttributeValues: { ":rule": "RULE#" },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const arn = String(item.pk).slice("CLUSTER#".length);
        const observedAt = String(item.observedAt ?? "");
        const known = newest.get(arn);
        if (known === undefined || observedAt > known) newest.set(arn, observedAt);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return [...newest].sort(([left], [right]) => left.localeCompare(right)).map(([arn, observedAt]) => ({ arn, observedAt }));
  }

  /** The newest digest snapshot of a week before `week` (ISO week, e.g. 2026-W49), if any. */
  async previousDigest(week: string): Promise<DigestSnapshot | undefined> {
    const page = await this.#call("Query", () =>
      this.#documents.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk < :week",
          ExpressionAttributeValues: { ":pk": DIGEST_PARTITION, ":week": digestKey(week) },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    const item = page.Items?.[0];
    if (!item || !(item.snapshot instanceof Uint8Array)) return undefined;
    return JSON.parse(gunzipSync(item.snapshot).toString("utf8")) as DigestSnapshot;
  }

  /** Stores this week's snapshot (gzip JSON: 1,000 clusters stay far below DynamoDB's 400 KB item limit). */
  async saveDigest(snapshot: DigestSnapshot): Promise<void> {
    const at = Math.floor(Date.parse(snapshot.generatedAt) / 1000);
    await this.#call("PutItem", () =>
      this.#documents.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: DIGEST_PARTITION, sk: digestKey(snapshot.week), type: "DIGEST", generatedAt: snapshot.generatedAt, snapshot: gzipSync(JSON.stringify(snapshot)), expiresAt: at + DIGEST_TTL_SECONDS },
        }),
      ),
    );
  }

  /** The stored weeks' counts before `week`, at most `weeks` of them, oldest first. */
  async digestHistory(week: string, weeks: number): Promise<DigestWeekCounts[]> {
    if (weeks <= 0) return [];
    const page = await this.#call("Query", () =>
      this.#documents.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk < :week",
          ExpressionAttributeValues: { ":pk": DIGEST_COUNTS_PARTITION, ":week": digestKey(week) },
          ScanIndexForward: false,
          Limit: weeks,
        }),
      ),
    );
    return (page.Items ?? []).map(weekCountsOf).reverse();
  }

  async saveDigestCounts(counts: DigestWeekCounts): Promise<void> {
    const at = Math.floor(Date.parse(counts.generatedAt) / 1000);
    await this.#call("PutItem", () =>
      this.#documents.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: DIGEST_COUNTS_PARTITION, sk: digestKey(counts.week), type: "DIGEST_COUNTS", ...plain(counts), expiresAt: at + DIGEST_TTL_SECONDS },
        }),
      ),
    );
  }

  /** The cluster's history, newest first (for the CLI and tests). */
  async recordTagGrant(clusterArn: string, grant: TagGrant, tag?: GovernedTag): Promise<void> {
    await this.#call(
      "PutItem",
      () =>
        this.#documents.send(
          new PutCommand({
            TableName: this.#table,
            Item: { pk: clusterKey(clusterArn), sk: tagGrantKey(tag), type: "TAG_GRANT", ...plain(grant) },
            // Events arrive out of order: an older setting never overwrites a newer one.
            ConditionExpression: "attribute_not_exists(pk) OR #at <= :at",
            ExpressionAttributeNames: { "#at": "at" },
            ExpressionAttributeValues: { ":at": grant.at },
          }),
        ),
      () => undefined,
    );
  }

  async readEventClaim(eventId: string): Promise<{ readonly clusterArn?: string } | undefined> {
    // A Query of the one key, as readTagGrant: the functions' roles grant Query on the table already.
    const { Items } = await this.#call("Query", () =>
      this.#documents.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk = :sk",
          ExpressionAttributeValues: { ":pk": eventKey(eventId), ":sk": "EVENT" },
          ProjectionExpression: "clusterArn",
          ConsistentRead: true,
        }),
      ),
    );
    const item = Items?.[0];
    if (!item) return undefined;
    return typeof item["clusterArn"] === "string" ? { clusterArn: item["clusterArn"] } : {};
  }

  async readTagGrant(clusterArn: string, tag?: GovernedTag): Promise<TagGrant | undefined> {
    // A Query of the one key, not GetItem: the functions' role grants Query on the table already.
    const { Items } = await this.#call("Query", () =>
      this.#documents.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk = :sk",
          ExpressionAttributeValues: { ":pk": clusterKey(clusterArn), ":sk": tagGrantKey(tag) },
          ConsistentRead: true,
        }),
      ),
    );
    const Item = Items?.[0];
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, type: _type, ...grant } = Item;
    return grant as unknown as TagGrant;
  }

  async readHistory(clusterArn: string, limit = 100): Promise<HistoryEntry[]> {
    const page = await this.#call("Query", () =>
      this.#documents.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :history)",
          ExpressionAttributeValues: { ":pk": clusterKey(clusterArn), ":history": "HISTORY#" },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (page.Items ?? []).map((item) => {
      const { pk: _pk, sk: _sk, type: _type, expiresAt: _expires, ...entry } = item;
      return { ...entry, at: new Date(String(entry.at)) } as unknown as HistoryEntry;
    });
  }

  async readCoverage(): Promise<CoverageRecord[]> {
    const records: CoverageRecord[] = [];
    for (const item of await this.#queryAll({ KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": COVERAGE_PARTITION }, ConsistentRead: true })) {
      const state = item.state === "lost" || item.state === "covered" ? (item.state as CoverageState) : undefined;
      // A record this code did not write is ignored (the next run rewrites it), never taken for "covered".
      if (state === undefined || typeof item.account !== "string" || typeof item.region !== "string") continue;
      records.push({ account: item.account, region: item.region, state, since: String(item.since ?? ""), ...(typeof item.problem === "string" && { problem: item.problem }) });
    }
    return records;
  }

  async changeCoverage(account: string, region: string, next: CoverageRecord | undefined, expected: CoverageState | undefined): Promise<boolean> {
    const key = { pk: COVERAGE_PARTITION, sk: coverageKey(account, region) };
    const condition =
      expected === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : { ConditionExpression: "#state = :expected", ExpressionAttributeNames: { "#state": "state" }, ExpressionAttributeValues: { ":expected": expected } };
    return this.#call(
      next ? "PutItem" : "DeleteItem",
      async () => {
        if (next) await this.#documents.send(new PutCommand({ TableName: this.#table, Item: { ...key, type: "COVERAGE", ...plain(next) }, ...condition }));
        else await this.#documents.send(new DeleteCommand({ TableName: this.#table, Key: key, ...condition }));
        return true;
      },
      () => false,
    );
  }
}
