import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { pullRelease } from "../../src/distribution/pull-release.js";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { copyArtifact } from "../../src/oci/copy-artifact.js";
import { parseImageManifest } from "../../src/oci/image-manifest.js";
import type { ContentRepository, Descriptor } from "../../src/oci/types.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli } from "../support/run-cli.js";
import { alteredDist, stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

describe("refusals that protect an appliance", () => {
  it("a version tag re-pointed at another release is refused by pull, leaving nothing (not even new parent directories)", async () => {
    const dist = await stagedDist();
    const store = openReleaseStore({ ociLayout: tempDir() });
    for (const version of ["1.0-rc5", "1.0.0"]) await publishRelease(await openStagedRelease(dist, version), store);
    const rc5 = await store.release.fetchManifest("1.0-rc5");
    await store.release.pushManifest(rc5.bytes, rc5.descriptor.mediaType, "1.0.0");

    const parent = join(tempDir(), "new");
    await expect(pullRelease(store, { reference: "1.0.0", outDir: join(parent, "deeper", "appliance") })).rejects.toThrow(/holds release 1\.0-rc5, not 1\.0\.0/);
    expect(existsSync(parent)).toBe(false);
  });

  it("publishing every release checks every version first: one refused release publishes none", async () => {
    const checkout = tempDir();
    cpSync(RELEASES_DIR, join(checkout, "releases"), { recursive: true });
    expect((await runCli("synth", [], { cwd: checkout })).code).toBe(0);
    const layout = join(checkout, "oci-layout");
    // Someone already published a different 1.0.0.
    await publishRelease(await openStagedRelease(await alteredDist("1.0.0"), "1.0.0"), openReleaseStore({ ociLayout: layout }));

    const result = await runCli("publish", [], { cwd: checkout });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/alga-appliance-config:1\.0\.0 is already published as sha256:[0-9a-f]{64}/);
    expect(await openReleaseStore({ ociLayout: layout }).release.listTags()).toEqual(["1.0.0"]);
  });

  it("a refused cross-repository mount falls back to uploading the blob", async () => {
    const dist = await stagedDist(["1.0-rc5"]);
    const staged = await openStagedRelease(dist, "1.0-rc5");
    const layout = openReleaseStore({ ociLayout: tempDir() }).release;
    const mountAttempts: string[] = [];
    const refusingMount: ContentRepository & { mountBlob(d: Descriptor, from: string): Promise<boolean> } = Object.assign(Object.create(layout), {
      location: layout.location,
      async mountBlob(descriptor: Descriptor) {
        mountAttempts.push(descriptor.digest);
        throw new Error("403 denied");
      },
    });
    const artifact = parseImageManifest((await staged.release.fetchManifest(staged.releaseArtifact.digest)).bytes, "release");
    const known = new Set([artifact.config, ...artifact.layers].map((blob) => blob.digest));
    const report = await copyArtifact(staged.release, refusingMount, staged.releaseArtifact.digest, { mountFrom: { repository: "alga/alga-appliance-config", digests: known } });
    expect(mountAttempts).toHaveLength(2);
    expect(report).toMatchObject({ blobsUploaded: 2, blobsMounted: 0 });
    expect(await layout.resolve(staged.releaseArtifact.digest)).toBeDefined();
  });
});
