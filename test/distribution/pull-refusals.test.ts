import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pullRelease } from "../../src/distribution/pull-release.js";
import { openReleaseStore, type ReleaseStore } from "../../src/distribution/release-store.js";
import { rawEntry, rawTar } from "../bundle/craft-tar.js";
import { publishHostileRelease } from "../support/hostile-release.js";
import { tempDir } from "../support/temp-dir.js";

/** Publishes a release whose manifest is `edit`ed and whose bundle layer is `tar`: what a compromised store could serve. */
async function hostileRelease(tar: Uint8Array, edit: (manifest: any) => void = () => {}): Promise<ReleaseStore> {
  const store = openReleaseStore({ ociLayout: tempDir() });
  await publishHostileRelease(store, { tar, edit });
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
