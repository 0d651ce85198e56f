// The deployment, described once: what the stack (stacks/) deploys and what the local system (packages/local)
// assembles from the same description, so the two cannot drift apart (deployment/topology.ts, deployment/alarms.ts).
// Plain data and small pure functions: no CDK, no handler code, so core stays free of imports of functions, cli,
// stacks or the simulator.
export { clusterEventPattern } from "../events/pattern.ts";
export * from "./constants.ts";
export * from "./topology.ts";
export * from "./alarms.ts";
export * from "./environment.ts";
