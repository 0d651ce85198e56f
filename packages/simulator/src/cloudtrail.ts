// CloudTrail as EventBridge delivers it: every mutating EKS call, successful or not, becomes an
// "AWS API Call via CloudTrail" event whose detail has the shape of a real CloudTrail record.

import { randomUUID } from "node:crypto";
import type { VirtualClock } from "./clock.ts";
import type { UserIdentity } from "./identity.ts";

export interface CloudTrailRecord {
  readonly eventVersion: "1.08";
  readonly userIdentity: UserIdentity;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Record<string, unknown> | null;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: false;
  readonly eventType: "AwsApiCall";
  readonly managementEvent: true;
  readonly recipientAccountId: string;
  readonly eventCategory: "Management";
}

export interface CloudTrailEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": "AWS API Call via CloudTrail";
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: CloudTrailRecord;
}

export interface ApiCallFacts {
  readonly eventSource: string;
  readonly eventName: string;
  readonly account: string;
  readonly region: string;
  readonly time: Date;
  readonly userIdentity: UserIdentity;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly requestId: string;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Record<string, unknown> | null;
  readonly error?: { readonly code: string; readonly message: string };
}

/** CloudTrail writes times without milliseconds. */
function cloudTrailTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function buildCloudTrailEvent(facts: ApiCallFacts): CloudTrailEvent {
  const time = cloudTrailTime(facts.time);
  const detail: CloudTrailRecord = {
    eventVersion: "1.08",
    userIdentity: facts.userIdentity,
    eventTime: time,
    eventSource: facts.eventSource,
    eventName: facts.eventName,
    awsRegion: facts.region,
    sourceIPAddress: facts.sourceIPAddress,
    userAgent: facts.userAgent,
    // A failed call carries errorCode/errorMessage and no responseElements, as CloudTrail logs it.
    ...(facts.error ? { errorCode: facts.error.code, errorMessage: facts.error.message } : {}),
    requestParameters: facts.requestParameters,
    responseElements: facts.error ? null : facts.responseElements,
    requestID: facts.requestId,
    eventID: randomUUID(),
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: facts.account,
    eventCategory: "Management",
  };
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "AWS API Call via CloudTrail",
    // eks.amazonaws.com -> aws.eks, as EventBridge names the source.
    source: `aws.${facts.eventSource.replace(/\.amazonaws\.com$/, "")}`,
    account: facts.account,
    time,
    region: facts.region,
    resources: [],
    detail,
  };
}

export type CloudTrailListener = (event: CloudTrailEvent) => void | Promise<void>;

export interface DeliveryOptions {
  /** Delay before the listener sees the event (CloudTrail delivery takes minutes in AWS). Default 0. */
  readonly delayMs?: number;
  /** Whether the delay runs on the virtual clock (fires on clock.advance) or real time. Default virtual. */
  readonly delayClock?: "virtual" | "real";
}

interface Subscription {
  readonly listener: CloudTrailListener;
  readonly options: Required<DeliveryOptions>;
}

/** Fans events out to subscribers, each with its own delivery delay; keeps every event for inspection. */
export class CloudTrailBus {
  readonly events: CloudTrailEvent[] = [];
  /** Errors thrown by listeners: a failing subscriber must not break the API call that caused the event. */
  readonly deliveryErrors: { readonly event: CloudTrailEvent; readonly error: unknown }[] = [];
  readonly #subscriptions = new Set<Subscription>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #clock: VirtualClock;
  readonly #defaults: Required<DeliveryOptions>;

  constructor(clock: VirtualClock, defaults: DeliveryOptions = {}) {
    this.#clock = clock;
    this.#defaults = { delayMs: defaults.delayMs ?? 0, delayClock: defaults.delayClock ?? "virtual" };
  }

  subscribe(listener: CloudTrailListener, options: DeliveryOptions = {}): () => void {
    const subscription: Subscription = { listener, options: { ...this.#defaults, ...options } };
    this.#subscriptions.add(subscription);
    return () => this.#subscriptions.delete(subscription);
  }

  emit(event: CloudTrailEvent): void {
    this.events.push(event);
    for (const subscription of this.#subscriptions) {
      const { delayMs, delayClock } = subscription.options;
      if (delayMs > 0 && delayClock === "virtual") {
        this.#clock.schedule(delayMs, () => this.#deliver(subscription, event));
      } else {
        // Even without delay, deliver after the API reply is on its way: CloudTrail is never synchronous.
        const pending = new Promise<void>((resolve) => setTimeout(resolve, delayClock === "real" ? delayMs : 0)).then(() => this.#deliver(subscription, event));
        this.#track(pending);
      }
    }
  }

  /** Resolves once every delivery started so far (and what listeners returned) has finished. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #deliver(subscription: Subscription, event: CloudTrailEvent): Promise<void> {
    const run = async () => {
      try {
        await subscription.listener(event);
      } catch (error) {
        this.deliveryErrors.push({ event, error });
      }
    };
    const pending = run();
    this.#track(pending);
    return pending;
  }

  #track(pending: Promise<void>): void {
    this.#inFlight.add(pending);
    void pending.finally(() => this.#inFlight.delete(pending));
  }
}
