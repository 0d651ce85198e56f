// The CloudTrail adapter: which trails apply to this region, whether each is logging, and which events it logs, for
// the self-audit's "a trail still logs the management events EKS changes are" (EventBridge receives CloudTrail's
// API-call events only while a trail logs them).

import type { CloudTrailClient, CloudTrailClientConfig } from "@aws-sdk/client-cloudtrail";
import type { TrailReader } from "../tamper/self-audit-collect.ts";
import type { TrailSelectors } from "../tamper/self-audit.ts";
import { clientConfig } from "./client-config.ts";
import type { ClientOptions } from "./events.ts";
import { translateSdkError } from "./sdk-errors.ts";

export class CloudTrailTrails implements TrailReader {
  readonly #options: ClientOptions<CloudTrailClient, CloudTrailClientConfig>;
  #client: CloudTrailClient | undefined;

  constructor(options: ClientOptions<CloudTrailClient, CloudTrailClientConfig> = {}) {
    this.#options = options;
    this.#client = options.client;
  }

  async #send<T>(operation: string, command: (module: typeof import("./deferred/cloudtrail.ts"), client: CloudTrailClient) => Promise<T>): Promise<T> {
    const module = await import("./deferred/cloudtrail.ts");
    this.#client ??= new module.CloudTrailClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      return await command(module, this.#client);
    } catch (error) {
      throw translateSdkError("CloudTrail", operation, error);
    }
  }

  /** DescribeTrails with the shadow trails: this region's own trails, multi-region and organisation trails. */
  async trails(): Promise<readonly string[]> {
    const answer = await this.#send("DescribeTrails", (module, client) => client.send(new module.DescribeTrailsCommand({ includeShadowTrails: true })));
    return (answer.trailList ?? []).flatMap((trail) => (trail.TrailARN ? [trail.TrailARN] : []));
  }

  async logging(trailArn: string): Promise<boolean> {
    const status = await this.#send("GetTrailStatus", (module, client) => client.send(new module.GetTrailStatusCommand({ Name: trailArn })));
    return status.IsLogging === true;
  }

  async selectors(trailArn: string): Promise<TrailSelectors> {
    const answer = await this.#send("GetEventSelectors", (module, client) => client.send(new module.GetEventSelectorsCommand({ TrailName: trailArn })));
    return {
      basic: (answer.EventSelectors ?? []).map((selector) => ({
        ...(selector.ReadWriteType && { readWriteType: selector.ReadWriteType }),
        ...(selector.IncludeManagementEvents !== undefined && { includeManagementEvents: selector.IncludeManagementEvents }),
        ...(selector.ExcludeManagementEventSources && { excludeManagementEventSources: selector.ExcludeManagementEventSources }),
      })),
      advanced: (answer.AdvancedEventSelectors ?? []).map((selector) => ({
        fieldSelectors: (selector.FieldSelectors ?? []).map((field) => ({
          field: field.Field ?? "",
          ...(field.Equals && { equals: field.Equals }),
          ...(field.NotEquals && { notEquals: field.NotEquals }),
        })),
      })),
    };
  }
}
