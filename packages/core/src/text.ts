// Text that reaches a person: alerts, digests, health notices, CLI tables. Much of it is attacker-controlled (tag
// values, exemption reasons, cluster names, user agents, identity ARNs, error messages): AWS tag values admit Unicode
// separators (`\p{Z}`, so U+2028 LINE SEPARATOR passes AWS's pattern), and CloudTrail records user agents as sent.
// One sanitiser, used wherever such text is rendered, so that no value can forge a line of a message, hide text
// behind a bidirectional override or an invisible character, or make a message too large to publish.

/**
 * Every character that is not plain visible text: controls (C0, C1), format characters (bidi marks, embeddings,
 * overrides and isolates: U+061C, U+200E/F, U+202A-202E, U+2066-2069; zero-width characters and U+FEFF), private-use,
 * unassigned and lone surrogate code points, and every separator but the plain space (U+2028, U+2029, no-break,
 * ideographic ...).
 */
const UNSAFE = /(?! )[\p{C}\p{Z}]/gu;
const FORMAT = /^\p{Cf}$/u;
/** Text that needs no quotes: identifiers, ARNs, CIDRs, dates, versions. */
const TOKEN = /^[\w.:/@+=,*-]*$/u;

/**
 * What a format character becomes. Alerts and digests drop it, so a word reads as it displayed ("zero\u200Bwidth" is
 * "zerowidth"). A health notice is about tampering, so it keeps a space where one was: the reader sees that something
 * invisible sat there.
 */
export type FormatCharacters = "dropped" | "spaced";

/** The one sanitiser: one line, every unsafe character a space (format characters as `format` says), runs of spaces one, trimmed. */
export function flatten(text: string, format: FormatCharacters = "dropped"): string {
  return text
    .replace(UNSAFE, (character) => (format === "dropped" && FORMAT.test(character) ? "" : " "))
    .replace(/ {2,}/g, " ")
    .trim();
}

/** At most `max` characters (never inside a surrogate pair), cut text marked with "…". */
export function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, "")}…`;
}

/**
 * A value as an error message quotes it: JSON, cut to about `max` characters. Never String(value): an object from
 * JSON such as {"toString": []} makes String throw, and a message about bad input must not fail on that input.
 */
export function shownValue(value: unknown, max = 80): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(typeof value === "string" && value.length > max ? `${value.slice(0, max - 3)}...` : value);
  } catch {
    text = undefined; // BigInt or a cycle: neither comes from JSON, so the type says enough
  }
  if (text === undefined) return `a ${typeof value}`;
  return text.length > max + 2 ? `${text.slice(0, max - 3)}...` : text;
}

/** One line of plain text (flatten), at most `max` characters. */
export function oneLine(value: unknown, max = 500): string {
  return bound(flatten(typeof value === "string" ? value : String(value)), max);
}

/**
 * A field of a health notice: one safe line of at most `max` characters (code points, so a cut never splits one), or
 * undefined when it is not text or nothing is left of it. A cut text ends with "...", as the rest of a health notice
 * is ASCII.
 */
export function safeText(value: unknown, max: number): string | undefined {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return undefined;
  const cleaned = flatten(String(value), "spaced");
  if (cleaned === "") return undefined;
  const characters = Array.from(cleaned);
  return characters.length <= max ? cleaned : `${characters.slice(0, Math.max(0, max - 3)).join("")}...`;
}

/** Free text for an alert: one line, bounded, in double quotes (inner quotes and backslashes escaped) unless it is a plain token. */
export function quotedText(value: unknown, max = 500): string {
  const text = oneLine(value, max);
  return TOKEN.test(text) && text !== "" ? text : `"${text.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * A bounded copy of JSON-like data for a machine payload: strings cut to `maxText` characters (control and separator
 * characters kept as JSON escapes, since JSON is not read line by line), lists cut to `maxItems` entries followed by
 * a note of how many more there were.
 */
export function boundedData(value: unknown, maxItems = 32, maxText = 1024): unknown {
  if (typeof value === "string") return bound(value, maxText);
  if (Array.isArray(value)) {
    const kept = value.slice(0, maxItems).map((item) => boundedData(item, maxItems, maxText));
    return value.length > maxItems ? [...kept, `… and ${value.length - maxItems} more`] : kept;
  }
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, boundedData(item, maxItems, maxText)]));
  }
  return value;
}
