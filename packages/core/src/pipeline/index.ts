// @eks-warden/core/pipeline: the real-time use-cases (cluster-event, settle) on the judgement kernel, and their ports.

export { type ClusterEventOutcome, handleClusterEvent, processClusterEvent, readClusterEvent } from "./cluster-event.ts";
export { type CollectedCluster, contextOf, type PipelineDeps, type PipelineSettings, type SettleQueue } from "./ports.ts";
export { handleSettleCheck, processSettleCheck, readSettleMessage } from "./settle.ts";
