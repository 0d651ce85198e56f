// The EventBridge Scheduler adapter: the state of the stack's schedules (sweep, digest), for the self-audit.

import type { SchedulerClient, SchedulerClientConfig } from "@aws-sdk/client-scheduler";
import type { ScheduleStates } from "../tamper/self-audit-collect.ts";
import { clientConfig } from "./client-config.ts";
import type { ClientOptions } from "./events.ts";
import { translateSdkError } from "./sdk-errors.ts";

export class SchedulerSchedules implements ScheduleStates {
  readonly #options: ClientOptions<SchedulerClient, SchedulerClientConfig>;
  #client: SchedulerClient | undefined;

  constructor(options: ClientOptions<SchedulerClient, SchedulerClientConfig> = {}) {
    this.#options = options;
    this.#client = options.client;
  }

  /** GetSchedule's State (ENABLED, DISABLED), in the default group (the stack's schedules are there). */
  async state(name: string): Promise<string> {
    const { GetScheduleCommand, SchedulerClient } = await import("./deferred/scheduler.ts");
    this.#client ??= new SchedulerClient({ ...clientConfig(), ...this.#options.clientConfig });
    try {
      const schedule = await this.#client.send(new GetScheduleCommand({ Name: name }));
      return schedule.State ?? "(no state)";
    } catch (error) {
      throw translateSdkError("Scheduler", "GetSchedule", error);
    }
  }
}
