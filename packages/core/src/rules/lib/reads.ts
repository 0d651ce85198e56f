// A rule's `reads` and the IAM `permissions` that follow from them, declared together in one spread.

import { actionsForReads } from "../../permissions.ts";
import type { DataKind, Rule } from "../../model.ts";

export function reading(...kinds: DataKind[]): Pick<Rule, "reads" | "permissions"> {
  return { reads: Object.freeze([...kinds]), permissions: Object.freeze(actionsForReads(kinds)) };
}
