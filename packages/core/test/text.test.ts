import { describe, expect, it } from "vitest";
import { bound, boundedData, oneLine, quotedText } from "../src/text.ts";

describe("the sanitiser of rendered text", () => {
  it.each([
    ["line\u2028Subject: forged", "line Subject: forged"],
    ["para\u2029graph", "para graph"],
    ["cr\r\nlf\nnul\u0000tab\t", "cr lf nul tab"],
    ["bidi \u202Eevil\u202C zero\u200Bwidth", "bidi evil zerowidth"],
    ["no-break\u00A0and\u3000ideographic   spaces", "no-break and ideographic spaces"],
    ["  trimmed  ", "trimmed"],
  ])("%j reads as %j, on one line", (input, expected) => {
    expect(oneLine(input)).toBe(expected);
  });

  it("bounds the length, never inside a surrogate pair", () => {
    expect(oneLine("x".repeat(600))).toHaveLength(500);
    expect(bound("ab😀cd", 4)).toBe("ab…");
    expect(bound("short", 10)).toBe("short");
    expect(oneLine(42)).toBe("42");
  });

  it("quotes free text, not plain tokens, and escapes quotes so a value cannot close its own", () => {
    expect(quotedText("arn:aws:iam::111122223333:user/alice")).toBe("arn:aws:iam::111122223333:user/alice");
    expect(quotedText("aws-cli/2.27.0")).toBe("aws-cli/2.27.0");
    expect(quotedText('vendor "demo"\u2028Who: root')).toBe('"vendor \\"demo\\" Who: root"');
    expect(quotedText("")).toBe('""');
  });

  it("bounds data for machines: long lists summarised, long strings cut, the rest kept", () => {
    const data = { cidrs: Array.from({ length: 40 }, (_, index) => `10.0.${index}.0/24`), note: "n".repeat(2000), nested: [{ ok: true }], when: new Date(0), none: null };
    const bounded = boundedData(data, 32, 100) as typeof data;
    expect(bounded.cidrs).toHaveLength(33);
    expect(bounded.cidrs.at(-1)).toBe("… and 8 more");
    expect(bounded.note).toHaveLength(100);
    expect(bounded.nested).toEqual([{ ok: true }]);
    expect(bounded.when).toEqual(new Date(0));
    expect(bounded.none).toBeNull();
  });
});
