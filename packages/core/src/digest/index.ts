// @eks-warden/core/digest: the weekly patch-drift digest (sweep, compare with last week, publish, store the report).

export { buildDigest, isoWeek } from "./build.ts";
export { type DigestDeps, runDigest } from "./digest.ts";
