// Turns zod's issues into the { path, message } pairs that ValidationError carries, so that every validation
// error in the project reads the same way: `endpoint.allowedPublicCidrs[2]: "10.0.0.0/33" is not a valid ...`.
//
// Core's schemas are zod/mini (the handler bundles carry no more of zod than they use); the other workspaces use
// full zod (zod.ts). Both raise the same errors, and zod/mini loads no locale of its own: English is set here, for
// every schema, before any of them parses (every module with a schema imports this one).
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());

/** `["endpoint", "allowedPublicCidrs", 2]` -> `endpoint.allowedPublicCidrs[2]`, relative to `prefix`. */
export function formatPath(path: readonly PropertyKey[], prefix = ""): string {
  let text = prefix;
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

/** zod's own wording starts with "Invalid input: "; the path already says where, so keep only the expectation. */
function tidy(message: string): string {
  return message.replace(/^Invalid input: /, "");
}

export function issuesFromZod(error: z.core.$ZodError, prefix = ""): { path: string; message: string }[] {
  return error.issues.flatMap((issue) =>
    // One issue per unknown key, at the key itself: "remediaton: unknown field" says where the typo is.
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key], prefix), message: "unknown field (check its spelling)" }))
      : [{ path: formatPath(issue.path, prefix), message: tidy(issue.message) }],
  );
}
