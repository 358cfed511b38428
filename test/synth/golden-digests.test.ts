/**
 * Issue 17, point 6: the packages that shape the bundle's bytes are pinned exactly, and the shipped
 * releases render to the same digests on every supported Node (CI runs this on 20, 22 and 24). A
 * changed digest here means a dependency upgrade or a rendering change altered the published
 * bytes: review the snapshot diff, then record the new digests with the reason in the commit.
 */
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RELEASES_DIR } from "../support/rendered.js";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

/** Packages whose version decides the rendered YAML, the tar and the gzip stream. */
const BYTE_SHAPING_PACKAGES = ["yaml", "cdk8s", "cdk8s-plus-31", "constructs", "pako"];

const GOLDEN: Record<string, { configBundle: string; releaseArtifact: string }> = {
  "1.0-rc5": {
    configBundle: "sha256:6582a4403a12e4b98affde80189573e364788cbdd421690448bda7dedeab9ef2",
    releaseArtifact: "sha256:1728cca46a0deb07b70de4469ec2ff90fec51bc45d0f751a61b208cc84cfb5fa",
  },
  "1.0.0": {
    configBundle: "sha256:f22447f191549767e92a405782788e7aae8628b1c9c2ddf88053f770ea002104",
    releaseArtifact: "sha256:f3aea2dc5e81b6e7c9c6b9d3c2af9b7c1881a47629760c2ac8e83a323514e8bc",
  },
  // Issue 18, point 5: the shipped offline example (1.0.0's content, installed from a local registry).
  "1.0.0-offline": {
    configBundle: "sha256:3f6f093edbee1926d88deaac5d0b5b2aafb4cf13c0699f8f24a8c4a43e9594bf",
    releaseArtifact: "sha256:e4c4270dbb2c1856fee49b4fc6d3e126f39fa40e2cc864469e66d5e7fd3b8f49",
  },
};

describe("the bytes of the shipped releases", () => {
  it("come from exactly pinned packages", () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const ranges = BYTE_SHAPING_PACKAGES.map((name) => [name, manifest.dependencies[name]]);
    expect(ranges.filter(([, range]) => !/^\d+\.\d+\.\d+$/.test(range ?? ""))).toEqual([]);
    for (const [name, range] of ranges) {
      const installed = JSON.parse(readFileSync(join(PROJECT_ROOT, "node_modules", name!, "package.json"), "utf8")) as { version: string };
      expect(installed.version, `node_modules/${name}`).toBe(range);
    }
  });

  it(`render to the recorded digests on Node ${process.versions.node}`, async () => {
    const checkout = join(tempDir(), "checkout");
    mkdirSync(checkout);
    cpSync(RELEASES_DIR, join(checkout, "releases"), { recursive: true });
    const result = await runCli("synth", ["--json"], { cwd: checkout });
    expect(result.code, result.stderr).toBe(0);
    const releases = JSON.parse(result.stdout).releases as { version: string; configBundle: string; releaseArtifact: string }[];
    expect(Object.fromEntries(releases.map(({ version, configBundle, releaseArtifact }) => [version, { configBundle, releaseArtifact }]))).toEqual(GOLDEN);
  });
});
