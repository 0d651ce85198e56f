// Attacker-controlled text (CloudTrail's user agent, resource names, identity ARNs) made safe to show in an alert:
// one line, no control, format or separator characters, bounded. Pure.

/** Every control (Cc), format (Cf, e.g. bidi overrides, zero-width), unassigned/private/surrogate (C*) and
 * separator (Z*: spaces, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR) character, in runs. */
const UNSAFE_RUN = /[\p{C}\p{Z}]+/gu;

/**
 * `value` as one safe line of at most `max` characters (code points), or undefined when it is not text. Runs of
 * unsafe characters become one ASCII space, so words stay apart; a cut text ends with "...".
 */
export function safeText(value: unknown, max: number): string | undefined {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return undefined;
  const cleaned = String(value).replace(UNSAFE_RUN, " ").trim();
  if (cleaned === "") return undefined;
  const characters = Array.from(cleaned);
  return characters.length <= max ? cleaned : `${characters.slice(0, Math.max(0, max - 3)).join("")}...`;
}

/** SNS subjects must be ASCII, without line breaks or control characters (SNS Publish, Subject). */
export function asciiSubject(text: string, max: number): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length <= max ? ascii : `${ascii.slice(0, max - 3)}...`;
}
