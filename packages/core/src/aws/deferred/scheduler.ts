// Loaded by the EventBridge Scheduler adapter on the self-audit's first read (why: ./README.md).
export { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
