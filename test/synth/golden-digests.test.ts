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
    configBundle: "sha256:9445fdd10cea3ea4695d527c06adb6075a3d820e40a49009e3611d547c550da4",
    releaseArtifact: "sha256:36793a3c2ab32fa3416eaf996fd216e19cd5cea4107498c6099413d03e221b4c",
  },
  // Issue 18, point 5: the shipped offline example (1.0.0's content, installed from a local registry).
  "1.0.0-offline": {
    configBundle: "sha256:c75f0393e84c20c00c9429c39badc12e835d97d1b12087cd4d0416473104eb2c",
    releaseArtifact: "sha256:154024100469af197072b501ed1d7cca25b8c3e4c9dd125b92942e25b34a6fa8",
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
