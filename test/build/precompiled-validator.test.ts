import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { buildReleaseArtifact } from "../../src/manifest/release-artifact.js";
import { parseReleaseManifest } from "../../src/manifest/validate-release-manifest.js";
import { runCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

// The build swaps ajv's run-time compilation of schemas/release-manifest.schema.json for code
// compiled at build time (bin/build.mjs). The built pull must refuse exactly what the source refuses.
describe("the release-manifest validator compiled at build time", () => {
  it("gives the built pull the same refusal, field by field, as the validator compiled at run time", async () => {
    const dist = await stagedDist(["1.0-rc5"]);
    const layout = tempDir();
    // The staged config bundle, as published; the release manifest beside it is invalid in three ways.
    cpSync(join(dist, "1.0-rc5", "oci", "alga-appliance-config"), join(layout, "alga-appliance-config"), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dist, "1.0-rc5", "release-manifest.json"), "utf8"));
    manifest.components["temporal-worker"].image = "ghcr.io/nine-minds/temporal-worker:latest";
    manifest.unexpected = true;
    delete manifest.controlPlane;
    const json = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
    const artifact = buildReleaseArtifact(json, manifest, 0);
    const release = openReleaseStore({ ociLayout: layout }).release;
    for (const blob of [artifact.config, ...artifact.layers]) await release.pushBlob(blob.descriptor, blob.data);
    await release.pushManifest(artifact.manifest.data, artifact.manifest.descriptor.mediaType, "1.0-rc5");

    const expected = (() => {
      try {
        parseReleaseManifest(json, "X");
      } catch (error) {
        return (error as Error).message.split("\n").slice(1);
      }
      throw new Error("the run-time validator accepted the manifest");
    })();
    expect(expected).toEqual(expect.arrayContaining([expect.stringContaining('must not use the moving tag "latest"'), expect.stringContaining("unexpected")]));
    expect(expected.length).toBeGreaterThanOrEqual(3);

    const out = join(tempDir(), "appliance");
    const pulled = await runCli("pull", ["--oci-layout", layout, "--release", "1.0-rc5", "--out", out]);
    expect(pulled.code).toBe(1);
    const lines = pulled.stderr.split("\n");
    for (const line of expected) expect(lines).toContain(line);
  });
});
