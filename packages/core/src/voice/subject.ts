// The subject of every message EKS Warden publishes, on either topic. SNS refuses a subject with a line break or a
// control character, or longer than 100 characters (SNS Publish, Subject), and a refused subject loses the whole
// message; e-mail clients show it before anything else, so an attacker's text must not shape it either.

import { flatten } from "../text.ts";

/** SNS's limit on a subject: every message of either topic. */
export const SUBJECT_MAX = 100;

/** What ends a subject that was cut. */
const CUT_MARK = "...";

/**
 * How a subject too long for SNS is cut, marked "..." either way (SNS refuses a subject with a character outside
 * ASCII, so the mark is ASCII too). "at-word": at a word near the end, as the alerts topic's alerts are cut, so only
 * the end of the headline is lost. "at-limit": at the limit, as the digest and the health topic's notices are cut.
 */
export type SubjectCut = "at-word" | "at-limit";

/**
 * A subject SNS accepts: one line (the sanitiser), every character outside printable ASCII a "?", at most
 * SUBJECT_MAX characters. `limit` is SNS's and no other; it is named so that a caller can say which limit it means.
 */
export function asciiSubject(text: string, limit: typeof SUBJECT_MAX = SUBJECT_MAX, cut: SubjectCut = "at-limit"): string {
  const ascii = flatten(text).replace(/[^\x20-\x7e]/g, "?");
  if (ascii.length <= limit) return ascii;
  if (cut === "at-limit") return `${ascii.slice(0, limit - CUT_MARK.length)}${CUT_MARK}`;
  const room = ascii.slice(0, limit - CUT_MARK.length);
  // Cut at a space when one is near the end, so that only the end of the headline is lost.
  const space = ascii.charAt(room.length) === " " ? room.length : room.lastIndexOf(" ");
  const kept = space >= limit * 0.6 ? room.slice(0, space) : room;
  return `${kept.replace(/[ ,:;(]+$/, "")}${CUT_MARK}`;
}
