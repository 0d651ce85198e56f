// @eks-warden/local: the whole EKS Warden system on one machine, built from the deployment's description.
export { startLocalSystem, type CommandObserver, type EksCaller, type LocalEndpoints, type LocalFaultControls, type LocalIdentity, type LocalSystem, type LocalSystemOptions, type LocalTopology, type ParkedEvent, type PeekedMessage, type PipelineDepsOptions, type SettledCheck } from "./system.ts";
export { eventQueueBatch, localContext, LocalEventRouter, LocalQueuePoller, type DeadLetter, type Delivery, type LambdaHandler, type LocalQueues } from "./runner.ts";
export { localName, type LocalQueue, type LocalTopic } from "./topology.ts";
export { alertInputFromPayload, notificationFromSqsBody, type DeadLetterPayload, type ReceivedNotification } from "./notifications.ts";
export { LocalStartError } from "./start-failure.ts";
export { localSystemsRoot, removeStaleRunFolders, runningSystems, type LocalSystemNote } from "./run-folder.ts";
export { LOCAL_FAULT_KEYS, type LocalFaults, type LocalFaultKey } from "./faults.ts";
