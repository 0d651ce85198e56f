// The wording the pipeline and the sweep tell, loaded in one piece by the first judgement or notice that tells
// something (as the SNS client is by the first publish): most events change no finding, and a cold start need not
// read it for them (~18 KiB of the event path's own code; docs/benchmarks.md). One module, so that the bundler makes
// one deferred chunk of it: each `import()` target is a chunk, and every set of them that shares code with the
// handler splits that code into more chunks, each one more file a cold start loads.
export { renderAlert } from "../../voice/alert.ts";
export { renderAccountReadable, renderAccountUnreachable } from "../../voice/coverage.ts";
export { renderRemediationAlert } from "../../voice/remediation.ts";
export { renderMonitorIdentityMisuse } from "../../voice/tamper.ts";
