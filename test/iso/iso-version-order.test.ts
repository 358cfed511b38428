import { describe, expect, it } from "vitest";
import { compareReleaseVersions } from "../../src/distribution/iso-version-order.js";
import { publishedVersions } from "../../src/distribution/iso-current-key.js";

describe("release-version order (which ISO is the highest)", () => {
  it("orders numerically, pre-releases before their release (rc5 before rc10)", () => {
    const versions = ["1.0.10", "1.0.2", "1.0.1", "1.0-rc5", "1.0-rc10", "1.0", "2.0.0-beta.2", "2.0.0-beta.10", "2.0.0-alpha", "2.0.0", "0.9.9", "1.0.0-rc.1"];
    expect([...versions].sort(compareReleaseVersions)).toEqual([
      "0.9.9",
      "1.0.0-rc.1",
      "1.0-rc5",
      "1.0-rc10",
      "1.0",
      "1.0.1",
      "1.0.2",
      "1.0.10",
      "2.0.0-alpha",
      "2.0.0-beta.2",
      "2.0.0-beta.10",
      "2.0.0",
    ]);
    expect(compareReleaseVersions("1.0", "1.0.0")).toBe(0);
    expect(compareReleaseVersions("1.0.0+build.7", "1.0.0")).toBe(0);
    expect(compareReleaseVersions("99999999999999999999.0", "9.0")).toBeGreaterThan(0);
  });

  it("reads complete and withdrawn versions from a listing: an ISO counts only with its .sha256", () => {
    const key = "appliance/current/alga-appliance.iso";
    const listing = [
      "appliance/current/alga-appliance.iso",
      "appliance/current/alga-appliance.iso.sha256",
      "appliance/1.0.0/alga-appliance.iso",
      "appliance/1.0.0/alga-appliance.iso.sha256",
      "appliance/1.0.1/alga-appliance.iso",
      "appliance/1.0.2/alga-appliance.iso",
      "appliance/1.0.2/alga-appliance.iso.sha256",
      "appliance/1.0.2/alga-appliance.iso.withdrawn",
      "appliance/1.0.3/other.iso",
      "appliance/1.0.3/other.iso.sha256",
      "appliance/.iso-publish-probe",
    ];
    const versions = publishedVersions(key, listing);
    expect([...versions.complete].sort()).toEqual(["1.0.0", "1.0.2"]);
    expect([...versions.withdrawn]).toEqual(["1.0.2"]);
  });
});
