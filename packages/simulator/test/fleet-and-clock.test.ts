// Fleet files are checked with errors that name the field; the virtual clock fires work in time order.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FleetError, loadFleetFile, validateFleet, VirtualClock } from "../src/index.ts";
import { SAMPLE_FLEET } from "./helpers.ts";

function issuesOf(input: unknown): string[] {
  try {
    validateFleet(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    return (error as FleetError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error("expected the fleet to be rejected");
}

describe("fleet validation", () => {
  it("loads the sample fleet: 6 clusters over 2 accounts and 2 regions, with an exemption tag", async () => {
    const fleet = await loadFleetFile(SAMPLE_FLEET);
    expect(fleet.clusters).toHaveLength(6);
    expect(new Set(fleet.clusters.map((entry) => entry.account))).toEqual(new Set(["111111111111", "222222222222"]));
    expect(new Set(fleet.clusters.map((entry) => entry.region))).toEqual(new Set(["eu-west-1", "us-east-1"]));
    const exempt = fleet.clusters.find((entry) => (entry.cluster["tags"] as Record<string, string>)["eks-warden:exempt"]);
    expect((exempt?.cluster["tags"] as Record<string, string>)["eks-warden:exempt"]).toBe("endpoint-public-access until=2027-06-30 reason=vendor-managed ingress");
    // Dates become epoch seconds, the EKS wire format.
    expect(fleet.clusterVersions[0]?.["endOfStandardSupportDate"]).toBe(Date.parse("2027-03-27T19:00:00-05:00") / 1000);
  });

  it("names every bad field with its path", () => {
    const issues = issuesOf({
      defaultAccount: "12345",
      clusters: [
        { cluster: { name: "ok", arn: "arn:aws:eks:eu-west-1:111111111111:cluster/other", resourcesVpcConfig: { endpointPublicAccess: "yes", publicAccessCidrs: ["10.0.0.0/40"] } } },
        { cluster: { name: "bad name!" } },
        { cluster: { name: "dated", createdAt: "last tuesday" }, nodegroups: [{}] },
      ],
      clusterVersions: [{ clusterVersion: "1.30", versionStatus: "SUPPORTED" }],
      ssmParameters: { "no-slash": 3 },
      durations: { VersionUpdate: -1, Coffee: 5 },
      surprise: true,
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^surprise: unknown field/),
        expect.stringMatching(/^defaultAccount: expected a 12-digit AWS account id/),
        'clusters[0].cluster.arn: names cluster "other" but cluster.name is "ok"',
        'clusters[0].cluster.resourcesVpcConfig.endpointPublicAccess: expected true or false, got "yes"',
        'clusters[0].cluster.resourcesVpcConfig.publicAccessCidrs[0]: expected a CIDR such as 203.0.113.0/24, got "10.0.0.0/40"',
        expect.stringMatching(/^clusters\[1\]\.cluster\.name: expected a cluster name/),
        expect.stringMatching(/^clusters\[2\]\.cluster\.createdAt: expected an ISO date/),
        expect.stringMatching(/^clusters\[2\]\.nodegroups\[0\]\.nodegroupName: expected a non-empty string/),
        expect.stringMatching(/^clusterVersions\[0\]\.versionStatus: expected one of STANDARD_SUPPORT/),
        "ssmParameters.no-slash: parameter names must start with /",
        "durations.VersionUpdate: expected milliseconds >= 0, got -1",
        expect.stringMatching(/^durations\.Coffee: unknown duration/),
      ]),
    );
  });

  it("rejects a duplicate cluster in the same account and region", () => {
    expect(issuesOf({ clusters: [{ cluster: { name: "twin" } }, { cluster: { name: "twin" } }] })).toEqual(['clusters[1].cluster.name: duplicate cluster "twin" in account 123456789012, region us-east-1']);
  });

  it("reports an unreadable or non-JSON file by its path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-"));
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    await expect(loadFleetFile(broken)).rejects.toThrow(`Fleet file ${broken} is not JSON`);
    await expect(loadFleetFile(join(dir, "missing.json"))).rejects.toThrow(/Cannot read fleet file .*missing\.json/);
  });
});

describe("VirtualClock", () => {
  it("fires scheduled work in time order, each at its own due time, and never moves by itself", () => {
    const clock = new VirtualClock(new Date("2026-11-29T09:00:00Z"));
    const seen: string[] = [];
    clock.schedule(2000, () => seen.push(`b@${clock.now().toISOString()}`));
    clock.schedule(1000, () => {
      seen.push(`a@${clock.now().toISOString()}`);
      clock.schedule(500, () => seen.push(`c@${clock.now().toISOString()}`));
    });
    expect(clock.pending()).toBe(2);
    clock.advance(999);
    expect(seen).toEqual([]);
    clock.advance(5000);
    expect(seen).toEqual(["a@2026-11-29T09:00:01.000Z", "c@2026-11-29T09:00:01.500Z", "b@2026-11-29T09:00:02.000Z"]);
    expect(clock.now().toISOString()).toBe("2026-11-29T09:00:05.999Z");
  });

  it("refuses to go back in time or take a bad step", () => {
    const clock = new VirtualClock(new Date("2026-11-29T09:00:00Z"));
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advanceTo(new Date("2026-11-28T00:00:00Z"))).toThrow(/cannot go back in time/);
    expect(() => new VirtualClock(new Date("nope"))).toThrow(/not a valid date/);
  });
});
