// Field schemas shared by the normalisers: AWS dates in any of their forms, Kubernetes minor versions.

import * as z from "zod/mini";
import { DATE_EXPECTATION, toDate } from "../dates.ts";
import { show } from "./forms.ts";

const MINOR_VERSION = /^\d{1,4}\.\d{1,4}$/;

export const awsDate = z.pipe(
  z.unknown(),
  z.transform((value, context) => {
    const date = toDate(value);
    if (date === undefined) {
      context.issues.push({ code: "custom", message: `expected ${DATE_EXPECTATION}, got ${show(value)}`, input: value });
      return z.NEVER;
    }
    return date;
  }),
);

export const minorVersion = z.string().check(z.regex(MINOR_VERSION, { error: (issue) => `expected a Kubernetes minor version such as "1.30", got ${show(issue.input)}` }));
