/**
 * Issue 7, points 3 and 11: hostile or malformed input is refused before it costs memory, with a
 * typed, user-facing error that names the artifact and what is wrong (never "unexpected").
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullRelease } from "../../src/distribution/pull-release.js";
import { openReleaseStore, type ReleaseStore } from "../../src/distribution/release-store.js";
import { InvalidArtifactError } from "../../src/oci/invalid-artifact-error.js";
import { MAX_CONFIG_BYTES } from "../../src/oci/limits.js";
import { OCI_IMAGE_INDEX } from "../../src/oci/media-types.js";
import { rawEntry, rawTar, paxEntry } from "../bundle/craft-tar.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { publishHostileRelease } from "../support/hostile-release.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

let registry: RunningRegistry;
let proxy: FaultProxy;
beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

describe("an attacker-sized release manifest (point 3)", () => {
  it("is refused by its declared size, before a byte of it is downloaded", async () => {
    const direct = openReleaseStore({ registry: `${registry.host}/huge`, plainHttp: true });
    // Schema-valid: only a free-text field is blown up, past the documented ceiling.
    const { release } = await publishHostileRelease(direct, { tar: rawTar(rawEntry({ name: "kustomization.yaml", data: "resources: []\n" })), edit: (manifest) => (manifest.profile.values["alga-core"] = { ...manifest.profile.values["alga-core"], padding: "r".repeat(MAX_CONFIG_BYTES + 1) }) });
    const before = proxy.requests.length;
    const out = join(tempDir(), "appliance");
    const error = await pullRelease(openReleaseStore({ registry: `${proxy.host}/huge`, plainHttp: true }), { reference: "1.0-rc5", outDir: out }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidArtifactError);
    expect((error as Error).message).toContain(`release manifest (config blob) ${release.config.descriptor.digest} is described as ${release.config.descriptor.size} bytes, over the ceiling of ${MAX_CONFIG_BYTES} bytes`);
    expect(proxy.requests.slice(before).filter((request) => request.path.includes(release.config.descriptor.digest))).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});

describe("refusals of malformed bundles are typed and name what is wrong (point 11)", () => {
  const cases: [string, (store: ReleaseStore) => Promise<unknown>, RegExp][] = [
    [
      "a release tag holding an image index, not an image manifest",
      async (store) => {
        const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] }));
        await store.release.pushManifest(index, OCI_IMAGE_INDEX, "1.0-rc5");
      },
      /alga-appliance-release:1\.0-rc5: not an OCI image manifest \(its mediaType is application\/vnd\.oci\.image\.index\.v1\+json/,
    ],
    ["a bundle layer that is not gzip", (store) => publishHostileRelease(store, { layer: new TextEncoder().encode("plain text, not gzip, long enough to pass") }), /data is not gzip-compressed/],
    ["a corrupt gzip bundle layer", (store) => publishHostileRelease(store, { layer: Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, ...new Array(30).fill(0xee)) }), /invalid gzip data/],
    [
      "an over-long entry name",
      (store) => publishHostileRelease(store, { tar: rawTar(paxEntry({ path: `${"n".repeat(300)}.yaml` }), rawEntry({ name: "x", data: "1" })) }),
      /refusing tar entry "n{300}\.yaml": a path component is 305 bytes long; at most 255 are allowed/,
    ],
  ];

  it.each(cases)("%s", async (_name, craft, message) => {
    const root = join(tempDir(), "layout");
    await craft(openReleaseStore({ ociLayout: root }));
    const out = join(tempDir(), "appliance");
    const result = await runCli("pull", ["--oci-layout", root, "--release", "1.0-rc5", "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("ARK_DEBUG");
    expect(existsSync(out)).toBe(false);
  });

  it("a tampered blob: the message names both digests and both sizes", async () => {
    const root = join(tempDir(), "layout");
    const { bundle } = await publishHostileRelease(openReleaseStore({ ociLayout: root }), { tar: rawTar(rawEntry({ name: "kustomization.yaml", data: "resources: []\n" })) });
    const layer = bundle.layers[0]!.descriptor;
    const blobs = join(root, "alga-appliance-config", "blobs", "sha256");
    const file = readdirSync(blobs).find((name) => `sha256:${name}` === layer.digest)!;
    const tampered = new Uint8Array(layer.size).fill(7);
    writeFileSync(join(blobs, file), tampered);
    const result = await runCli("pull", ["--oci-layout", root, "--release", "1.0-rc5", "--out", join(tempDir(), "appliance")]);
    expect(result.code).toBe(1);
    const { createHash } = await import("node:crypto");
    const actual = `sha256:${createHash("sha256").update(tampered).digest("hex")}`;
    expect(result.stderr).toContain(`expected ${layer.digest} (${layer.size} bytes), got ${actual} (${layer.size} bytes)`);
    expect(result.stderr).not.toContain("ARK_DEBUG");
  });
});
