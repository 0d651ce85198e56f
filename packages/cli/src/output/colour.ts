// Colour on a terminal, and only there: statuses and severities stand out in a table a person reads. A pipe or a file
// gets plain text, as do NO_COLOR (no-color.org) and --no-color (main.ts turns it into NO_COLOR); FORCE_COLOR asks for
// colour where no terminal is seen (a CI log that renders ANSI).
import type { FindingStatus, Severity } from "@eks-warden/core";

export interface Palette {
  status(text: string, status: FindingStatus): string;
  severity(text: string, severity: Severity): string;
}

const RED = "31";
const BOLD_RED = "1;31";
const YELLOW = "33";
const GREEN = "32";
const DIM = "2";

const STATUS_COLOURS: Readonly<Record<FindingStatus, string>> = { FAIL: BOLD_RED, ERROR: YELLOW, EXEMPT: DIM, PASS: GREEN, NOT_APPLICABLE: DIM };
const SEVERITY_COLOURS: Readonly<Record<Severity, string>> = { CRITICAL: BOLD_RED, HIGH: RED, MEDIUM: YELLOW, LOW: DIM, INFO: DIM };

const paint = (code: string, text: string): string => `\u001b[${code}m${text}\u001b[0m`;

export const PLAIN: Palette = { status: (text) => text, severity: (text) => text };

const COLOURED: Palette = {
  status: (text, status) => paint(STATUS_COLOURS[status], text),
  severity: (text, severity) => paint(SEVERITY_COLOURS[severity], text),
};

/** The palette for `stream`: colour only on a terminal, or when FORCE_COLOR asks, and never under NO_COLOR. */
export function paletteFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Palette {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return PLAIN;
  const forced = env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "" && env["FORCE_COLOR"] !== "0";
  return forced || stream.isTTY === true ? COLOURED : PLAIN;
}
