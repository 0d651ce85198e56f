// zod 4 for the other workspaces. SST hoists zod 3 to the root node_modules, so a bare `import "zod"` from
// packages/cli would get zod 3; core's own copy is zod 4, and importing it through here keeps one zod instance
// (schemas from core, such as policySchema, compose with the CLI's). Core itself writes its schemas with zod/mini,
// the same zod's smaller API (zod-issues.ts), so the handler bundles carry only what they use.
export * as z from "zod";
