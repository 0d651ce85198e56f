// @eks-warden/local: the whole EKS Warden system on one machine, assembled from the deployment's own constants.
export { startLocalSystem, type CommandObserver, type EksCaller, type LocalEndpoints, type LocalIdentity, type LocalSystem, type LocalSystemOptions, type ParkedEvent, type PeekedMessage, type PipelineDepsOptions } from "./system.ts";
export { createQueueWithDeadLetter, localContext, LocalEventRouter, LocalQueuePoller, type DeadLetter, type Delivery, type LambdaHandler, type LocalQueues, type WorkQueueSettings, redriveAttributes, type DeadLetterQueueSettings } from "./runner.ts";
export { alertInputFromPayload, notificationFromSqsBody, type DeadLetterPayload, type ReceivedNotification } from "./notifications.ts";
