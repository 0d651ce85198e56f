export { startSimulator, type Simulator, type SimulatorOptions } from "./simulator.ts";
export { VirtualClock } from "./clock.ts";
export { buildCloudTrailEvent, CloudTrailBus, type CloudTrailEvent, type CloudTrailRecord, type CloudTrailListener, type DeliveryOptions } from "./cloudtrail.ts";
export { FaultInjector, CallCounter, seededRandom, TokenBuckets, type InjectedCounts, type OperationFaults, type FailNextOptions } from "./faults.ts";
export { FAULT_SECTIONS, validateFaultPlan, validateEksFaults, type EksFaultPlan, type FaultIssue, type FaultPlan, type FaultService } from "./fault-plan.ts";
export { validateFleet, loadFleetFile, FleetError, DEFAULT_DURATIONS, DURATION_KEYS, type Fleet, type FleetClusterEntry, type FleetRole, type ValidFleet, type DurationKey } from "./fleet.ts";
export { IdentityDirectory, parseSigV4Authorization, type IdentitySeed, type UserIdentity } from "./identity.ts";
export { amiReleaseParameter, type UpdateFailurePlan } from "./eks/operations.ts";
export { findingProblem, SecurityHubStore } from "./securityhub.ts";
