import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listChannels, promoteChannel } from "../../src/distribution/channels.js";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { pullRelease } from "../../src/distribution/pull-release.js";
import { openReleaseStore, type ReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { DigestMismatchError } from "../../src/oci/digest.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { alteredDist, stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";
import { treeFingerprint } from "../support/tree.js";

let registry: RunningRegistry;
let dist: string;
const stores: Record<"registry" | "layout", () => ReleaseStore> = {
  registry: () => openReleaseStore({ registry: `${registry.host}/alga`, plainHttp: true }),
  layout: () => openReleaseStore({ ociLayout: layoutDir }),
};
let layoutDir: string;

beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist()]);
  layoutDir = join(tempDir(), "oci-layout");
});
afterAll(() => registry?.stop());

const publish = async (store: ReleaseStore, version: string, options: { channels?: string[]; dryRun?: boolean; from?: string } = {}) =>
  publishRelease(await openStagedRelease(options.from ?? dist, version), store, options);

describe.each(["registry", "layout"] as const)("publish and pull through a %s", (kind) => {
  it("publishes a release, then re-publishing it uploads nothing", async () => {
    const store = stores[kind]();
    const first = await publish(store, "1.0-rc5", { channels: ["nightly"] });
    expect(first.alreadyPublished).toBe(false);
    // The empty JSON blob both artifacts share is sent once; a registry mounts it across repositories.
    expect({ uploaded: first.blobsUploaded, mounted: first.blobsMounted }).toEqual(kind === "registry" ? { uploaded: 3, mounted: 1 } : { uploaded: 4, mounted: 0 });
    expect(first.channels.map((c) => c.channel)).toEqual(["nightly"]);
    const staged = await openStagedRelease(dist, "1.0-rc5");
    expect(first.configBundle.digest).toBe(staged.manifest.configBundle.digest);
    expect((await store.config.resolve("1.0-rc5"))?.digest).toBe(staged.bundle.digest);
    expect((await store.release.resolve("nightly"))?.digest).toBe(staged.releaseArtifact.digest);

    const again = await publish(store, "1.0-rc5");
    expect(again).toMatchObject({ alreadyPublished: true, blobsUploaded: 0, bytesUploaded: 0 });
  });

  it("refuses a different release under a published version and leaves the published one in place", async () => {
    const store = stores[kind]();
    const before = await store.release.resolve("1.0-rc5");
    await expect(publish(store, "1.0-rc5", { from: await alteredDist("1.0-rc5") })).rejects.toThrow(/already published as sha256:[0-9a-f]{64}.*immutable/s);
    expect(await store.release.resolve("1.0-rc5")).toEqual(before);
  });

  it("a dry run reports the uploads and writes nothing", async () => {
    const store = stores[kind]();
    const report = await publish(store, "1.0.0", { dryRun: true, channels: ["stable"] });
    expect(report.blobsUploaded).toBeGreaterThan(0);
    expect(await store.release.resolve("1.0.0")).toBeUndefined();
    expect(await store.release.resolve("stable")).toBeUndefined();
  });

  it("moves channels with promote and rolls them back", async () => {
    const store = stores[kind]();
    await publish(store, "1.0.0");
    const promoted = await promoteChannel(store, "stable", "1.0.0");
    expect(promoted).toMatchObject({ channel: "stable", version: "1.0.0", moved: true });
    expect(promoted.previous).toBeUndefined();
    // A move to a lower version is a rollback: refused unless the vendor says so, then marked in the statement.
    await expect(promoteChannel(store, "stable", "1.0-rc5")).rejects.toThrow(/stable is at 1\.0\.0 \(statement #1\); pointing it at 1\.0-rc5 moves it back.*--rollback/);
    expect((await store.release.resolve("stable"))?.digest).toBe(promoted.digest);
    const back = await promoteChannel(store, "stable", "1.0-rc5", () => {}, { rollback: true });
    expect(back.statement.statement).toMatchObject({ channel: "stable", sequence: 2, rollback: true, release: { version: "1.0-rc5" } });
    const rolledBack = await listChannels(store);
    expect(rolledBack.channels).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: "stable", version: "1.0-rc5" }),
        expect.objectContaining({ channel: "nightly", version: "1.0-rc5" }),
      ]),
    );
    const forward = await promoteChannel(store, "stable", "1.0.0");
    expect(forward.previous).toMatchObject({ version: "1.0-rc5" });
    expect(forward.statement.statement).toMatchObject({ sequence: 3, rollback: false, release: { version: "1.0.0", digest: promoted.digest } });
    // Promoting again renews the statement: the tag stays, the sequence grows.
    const renewed = await promoteChannel(store, "stable", "1.0.0");
    expect(renewed).toMatchObject({ moved: false });
    expect(renewed.statement.statement.sequence).toBe(4);
  });

  it("refuses to promote a version that is not published", async () => {
    await expect(promoteChannel(stores[kind](), "stable", "9.9.9")).rejects.toThrow(/9\.9\.9: no such release/);
  });

  it.each([
    ["a channel", "stable", "1.0.0"],
    ["a version", "1.0-rc5", "1.0-rc5"],
  ])("pulls by %s: the verified tree, manifest and Flux source", async (_what, reference, version) => {
    const out = join(tempDir(), "pulled");
    const report = await pullRelease(stores[kind](), { reference, outDir: out, ...(kind === "layout" ? { fluxUrl: "oci://mirror.local/alga/alga-appliance-config" } : {}) });
    expect(report.version).toBe(version);
    expect(treeFingerprint(join(out, "config"))).toEqual(treeFingerprint(join(dist, version, "config")));
    expect(readFileSync(join(out, "release-manifest.json"))).toEqual(readFileSync(join(dist, version, "release-manifest.json")));
    const [source, root] = parseAllDocuments(readFileSync(join(out, "flux", "source.yaml"), "utf8")).map((doc) => doc.toJS());
    const bundleDigest = JSON.parse(readFileSync(join(dist, version, "release-manifest.json"), "utf8")).configBundle.digest;
    expect(source).toMatchObject({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "OCIRepository",
      metadata: { name: "alga-appliance", namespace: "flux-system" },
      spec: {
        url: kind === "registry" ? `oci://${registry.host}/alga/alga-appliance-config` : "oci://mirror.local/alga/alga-appliance-config",
        ref: { digest: bundleDigest },
        layerSelector: { mediaType: "application/vnd.cncf.flux.content.v1.tar+gzip", operation: "extract" },
      },
    });
    expect(source.spec.insecure).toBe(kind === "registry" ? true : undefined);
    expect(root).toMatchObject({ kind: "Kustomization", spec: { path: "./", sourceRef: { kind: "OCIRepository", name: "alga-appliance" } } });
  });

  it("writes flux/ with the tree's modes whatever the umask (0755 directory, 0644 file)", async () => {
    const out = join(tempDir(), "pulled-umask");
    const previous = process.umask(0o077);
    try {
      await pullRelease(stores[kind](), { reference: "stable", outDir: out, ...(kind === "layout" ? { fluxUrl: "oci://mirror.local/alga/alga-appliance-config" } : {}) });
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(out, "flux")).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, "flux", "source.yaml")).mode & 0o777).toBe(0o644);
    expect(statSync(join(out, "release-manifest.json")).mode & 0o777).toBe(0o644);
  });

  it("pulls by digest, and refuses a digest that is not a release", async () => {
    const store = stores[kind]();
    const digest = (await store.release.resolve("1.0.0"))!.digest;
    const out = join(tempDir(), "by-digest");
    expect((await pullRelease(store, { reference: digest, outDir: out })).version).toBe("1.0.0");
    const bundle = (await store.config.resolve("1.0.0"))!.digest;
    const refused = join(tempDir(), "refused");
    await expect(pullRelease(store, { reference: bundle, outDir: refused })).rejects.toThrow(/no such release|not an appliance release/);
    expect(existsSync(refused)).toBe(false);
  });

  it("refuses to write into an existing directory unless asked to replace it", async () => {
    const out = tempDir();
    await expect(pullRelease(stores[kind](), { reference: "stable", outDir: out })).rejects.toThrow(/already exists/);
    expect((await pullRelease(stores[kind](), { reference: "stable", outDir: out, replace: true })).version).toBe("1.0.0");
  });
});

describe("a corrupted blob", () => {
  it("is refused by a pull from a registry, leaving nothing behind", async () => {
    const store = stores.registry();
    const layerDigest = JSON.parse(readFileSync(join(dist, "1.0.0", "release-manifest.json"), "utf8")).configBundle.layerDigest;
    const path = registry.blobDataPath(layerDigest);
    const original = readFileSync(path);
    writeFileSync(path, Buffer.concat([original.subarray(0, 10), Buffer.from("tampered"), original.subarray(18)]));
    try {
      const out = join(tempDir(), "corrupt");
      await expect(pullRelease(store, { reference: "1.0.0", outDir: out })).rejects.toBeInstanceOf(DigestMismatchError);
      expect(existsSync(out)).toBe(false);
      await expect(promoteChannel(store, "broken", "1.0.0")).rejects.toBeInstanceOf(DigestMismatchError);
      expect(await store.release.resolve("broken")).toBeUndefined();
    } finally {
      writeFileSync(path, original);
    }
  });

  it("is refused by a pull from a layout", async () => {
    const store = stores.layout();
    const manifest = JSON.parse(readFileSync(join(dist, "1.0-rc5", "release-manifest.json"), "utf8"));
    const path = join(layoutDir, "alga-appliance-config", "blobs", "sha256", manifest.configBundle.layerDigest.slice(7));
    const original = readFileSync(path);
    writeFileSync(path, Buffer.from(original).reverse());
    try {
      const out = join(tempDir(), "corrupt");
      await expect(pullRelease(store, { reference: "1.0-rc5", outDir: out })).rejects.toBeInstanceOf(DigestMismatchError);
      expect(existsSync(out)).toBe(false);
    } finally {
      writeFileSync(path, original);
    }
  });
});
