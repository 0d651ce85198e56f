// The subject of every message EKS Warden publishes, on either topic. SNS refuses a subject with a line break or a
// control character, or longer than 100 characters (SNS Publish, Subject), and a refused subject loses the whole
// message; e-mail clients show it before anything else, so an attacker's text must not shape it either.

import { flatten } from "../text.ts";

/** SNS's limit on a subject: every message of either topic. */
export const SUBJECT_MAX = 100;

/**
 * How a subject too long for SNS is cut. "at-word": at a word near the end, marked "…", as the alerts topic's alerts
 * have always been cut (the mark is the only character of a subject outside ASCII). "at-limit": at the limit, marked
 * "...", as the digest and the health topic's notices have always been cut.
 */
export type SubjectCut = "at-word" | "at-limit";

/**
 * A subject SNS accepts: one line (the sanitiser), every character outside printable ASCII a "?", at most
 * SUBJECT_MAX characters. `limit` is SNS's and no other; it is named so that a caller can say which limit it means.
 */
export function asciiSubject(text: string, limit: typeof SUBJECT_MAX = SUBJECT_MAX, cut: SubjectCut = "at-limit"): string {
  const ascii = flatten(text).replace(/[^\x20-\x7e]/g, "?");
  if (ascii.length <= limit) return ascii;
  if (cut === "at-limit") return `${ascii.slice(0, limit - 3)}...`;
  const room = ascii.slice(0, limit - 1);
  // Cut at a space when one is near the end, so that only the end of the headline is lost.
  const space = ascii.charAt(room.length) === " " ? room.length : room.lastIndexOf(" ");
  const kept = space >= limit * 0.6 ? room.slice(0, space) : room;
  return `${kept.replace(/[ ,:;(]+$/, "")}…`;
}
