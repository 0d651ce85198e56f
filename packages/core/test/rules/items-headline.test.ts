// The alert headline of the rules that list items (node groups, add-ons, insights): it counts what is behind, and says
// nothing when the stored evidence holds no readable list.
import { describe, expect, it } from "vitest";
import { itemsHeadline } from "../../src/rules/lib/items.ts";

describe("itemsHeadline", () => {
  const headline = itemsHeadline("node group", "behind the control plane");

  it("counts the items behind, ignoring entries that are not items", () => {
    expect(headline({ evidence: { items: [{ state: "behind" }, null, "garbage", 3, { state: "current" }, { state: "behind" }] } })).toBe("2 node groups behind the control plane");
    expect(headline({ evidence: { items: [{ state: "behind" }] } })).toBe("1 node group behind the control plane");
  });

  it("says nothing when nothing is behind or the evidence holds no list", () => {
    expect(headline({ evidence: { items: [{ state: "current" }, { state: "unknown" }, null] } })).toBeUndefined();
    expect(headline({ evidence: { items: "not a list" } })).toBeUndefined();
    expect(headline({ evidence: {} })).toBeUndefined();
  });
});
