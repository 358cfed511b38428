import { describe, expect, it } from "vitest";
import { npmPurl } from "../../src/image/npm-packages.js";

describe("npm package URLs in the SBOM", () => {
  it("encode a scope's @ as %40 and keep the name's slash, as the purl spec's npm type says", () => {
    expect(npmPurl("@kubernetes/client-node", "1.4.0")).toBe("pkg:npm/%40kubernetes/client-node@1.4.0");
    expect(npmPurl("yaml", "2.9.1")).toBe("pkg:npm/yaml@2.9.1");
  });

  it("percent-encode what a version may hold beyond the unreserved characters", () => {
    expect(npmPurl("zod", "4.0.0+build.1")).toBe("pkg:npm/zod@4.0.0%2Bbuild.1");
  });
});
