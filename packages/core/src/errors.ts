// Typed errors, in the manner of Powertools: each carries what went wrong, where, and what was expected,
// and wraps its cause with { cause } so no detail is lost on the way up.

export class WardenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that does not have the shape we need: names the path of the field and what was expected. */
export class ValidationError extends WardenError {
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  constructor(what: string, issues: readonly { path: string; message: string }[], options?: { cause?: unknown }) {
    super(`${what}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")}`, options);
    this.issues = issues;
  }
}

export class SnapshotError extends ValidationError {}
export class PolicyError extends ValidationError {}

/** Text that is not an IPv4 or IPv6 CIDR block; `text` is the offending input, the issue path names where it was. */
export class CidrError extends ValidationError {
  readonly text: string;
  constructor(text: string, path: string, problem: string, options?: { cause?: unknown }) {
    super("Invalid CIDR block", [{ path, message: `${JSON.stringify(text)} ${problem}` }], options);
    this.text = text;
  }
}
