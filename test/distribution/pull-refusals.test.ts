import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE } from "../../src/oci/media-types.js";
import { deterministicGzip } from "../../src/bundle/gzip.js";
import { pullRelease } from "../../src/distribution/pull-release.js";
import { openReleaseStore, type ReleaseStore } from "../../src/distribution/release-store.js";
import { buildReleaseArtifact } from "../../src/manifest/release-artifact.js";
import { buildArtifact, type BuiltArtifact } from "../../src/oci/build-artifact.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { rawEntry, rawTar } from "../bundle/craft-tar.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

async function push(repository: ContentRepository, artifact: BuiltArtifact, tag: string): Promise<void> {
  for (const blob of [artifact.config, ...artifact.layers]) await repository.pushBlob(blob.descriptor, blob.data);
  await repository.pushManifest(artifact.manifest.data, artifact.manifest.descriptor.mediaType, tag);
}

/** Publishes a release whose manifest is `edit`ed and whose bundle layer is `tar`: what a compromised store could serve. */
async function hostileRelease(tar: Uint8Array, edit: (manifest: any) => void = () => {}): Promise<ReleaseStore> {
  const dist = await stagedDist(["1.0-rc5"]);
  const manifest = JSON.parse(readFileSync(join(dist, "1.0-rc5", "release-manifest.json"), "utf8"));
  const bundle = buildArtifact({
    config: { mediaType: FLUX_CONFIG_MEDIA_TYPE, data: new TextEncoder().encode("{}") },
    layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: deterministicGzip(tar) }],
  });
  manifest.configBundle.digest = bundle.manifest.descriptor.digest;
  manifest.configBundle.size = bundle.manifest.descriptor.size;
  manifest.configBundle.layerDigest = bundle.layers[0]!.descriptor.digest;
  edit(manifest);
  const json = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const store = openReleaseStore({ ociLayout: tempDir() });
  await push(store.config, bundle, "1.0-rc5");
  await push(store.release, buildReleaseArtifact(json, manifest, 0), "1.0-rc5");
  return store;
}

async function expectRefused(store: ReleaseStore, pattern: RegExp): Promise<void> {
  const out = join(tempDir(), "appliance");
  await expect(pullRelease(store, { reference: "1.0-rc5", outDir: out })).rejects.toThrow(pattern);
  expect(existsSync(out)).toBe(false);
}

describe("pull refuses hostile content and leaves nothing behind", () => {
  it("a bundle entry escaping the destination", async () => {
    await expectRefused(await hostileRelease(rawTar(rawEntry({ name: "kustomization.yaml", data: "x" }), rawEntry({ name: "../evil.yaml", data: "x" }))), /\.\.\/evil\.yaml/);
  });

  it("a symlink in the bundle", async () => {
    await expectRefused(await hostileRelease(rawTar(rawEntry({ name: "link", typeflag: "2", linkname: "/etc/passwd" }))), /link/);
  });

  it("an absolute path in the bundle", async () => {
    await expectRefused(await hostileRelease(rawTar(rawEntry({ name: "/etc/cron.d/x", data: "x" }))), /\/etc\/cron\.d\/x/);
  });

  it("a release manifest that fails the JSON Schema, naming the field", async () => {
    const tar = rawTar(rawEntry({ name: "kustomization.yaml", data: "resources: []\n" }));
    await expectRefused(await hostileRelease(tar, (manifest) => (manifest.components["temporal-worker"].image = "ghcr.io/nine-minds/temporal-worker:latest")), /components\.temporal-worker\.image: must not use the moving tag "latest"/);
    await expectRefused(await hostileRelease(tar, (manifest) => (manifest.unexpected = true)), /release-manifest\.schema\.json[\s\S]*"unexpected"/);
  });
});
