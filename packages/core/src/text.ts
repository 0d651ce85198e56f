// Text that reaches a person: alerts, digests, CLI tables. Much of it is attacker-controlled (tag values, exemption
// reasons, user agents, identity names): AWS tag values admit Unicode separators (`\p{Z}`, so U+2028 LINE SEPARATOR
// passes AWS's pattern), and CloudTrail records user agents as sent. One sanitiser, used wherever such text is
// rendered, so that no value can forge a line of an alert, hide text behind a bidirectional override, or make a
// message too large to publish.

/** Control characters, format characters (bidi overrides, zero-width joiners), and line/paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** Space separators other than the plain space (no-break, em, ideographic ...): read as one space. */
const ODD_SPACES = /[\p{Zs}]/gu;
/** Text that needs no quotes: identifiers, ARNs, CIDRs, dates, versions. */
const TOKEN = /^[\w.:/@+=,*-]*$/u;

/** At most `max` characters (never inside a surrogate pair), cut text marked with "…". */
export function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, "")}…`;
}

/**
 * One line of plain text: every control, format and separator character becomes a space (or is dropped, for format
 * characters), runs of white space collapse, and the result is at most `max` characters.
 */
export function oneLine(value: unknown, max = 500): string {
  const text = typeof value === "string" ? value : String(value);
  return bound(
    text
      .replace(UNSAFE, (character) => (/\p{Cf}/u.test(character) ? "" : " "))
      .replace(ODD_SPACES, " ")
      .replace(/ {2,}/g, " ")
      .trim(),
    max,
  );
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
