import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listChannels, promoteChannel } from "../../src/distribution/channels.js";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { pullRelease } from "../../src/distribution/pull-release.js";
import { releaseSigner, signatureFormats, signatureIdentity, signRelease, verifyReleaseSignatures } from "../../src/distribution/release-signatures.js";
import { openReleaseStore, type ReleaseStore } from "../../src/distribution/release-store.js";
import { resolveRelease } from "../../src/distribution/resolve-release.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { signatureTag, SIGNATURE_ANNOTATION } from "../../src/signing/cosign-format.js";
import { generateSigningKey, parseVerificationKey, publicKeyPem } from "../../src/signing/signing-keys.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

let registry: RunningRegistry;
let dist: string;
const vendor = generateSigningKey();
const stranger = generateSigningKey();
const vendorPub = parseVerificationKey(publicKeyPem(vendor.publicKey), "vendor.pub");
const strangerPub = parseVerificationKey(publicKeyPem(stranger.publicKey), "stranger.pub");

beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist(["1.0-rc5", "1.0.0"])]);
});
afterAll(() => registry?.stop());

let counter = 0;
const freshStore = (kind: "registry" | "layout"): ReleaseStore =>
  kind === "registry" ? openReleaseStore({ registry: `${registry.host}/ns${++counter}`, plainHttp: true }) : openReleaseStore({ ociLayout: tempDir() });

const verifyWith = (store: ReleaseStore, keys = [vendorPub]) => async (release: Parameters<typeof verifyReleaseSignatures>[1]) => void (await verifyReleaseSignatures(store, release, keys));

async function publishSigned(store: ReleaseStore, version = "1.0-rc5", channels: string[] = []) {
  return publishRelease(await openStagedRelease(dist, version), store, { channels, signer: releaseSigner(store, vendor) });
}

async function expectPullRefused(store: ReleaseStore, keys: typeof vendorPub[], pattern: RegExp): Promise<void> {
  const out = join(tempDir(), "appliance");
  await expect(pullRelease(store, { reference: "1.0-rc5", outDir: out, verify: verifyWith(store, keys), fluxVerifyKeys: keys.map((key) => key.pem) })).rejects.toThrow(pattern);
  expect(existsSync(out)).toBe(false);
}

describe.each(["registry", "layout"] as const)("signed releases through a %s", (kind) => {
  it("publish --sign-key then pull --verify-key: verified, and Flux is told to verify too", async () => {
    const store = freshStore(kind);
    const report = await publishSigned(store, "1.0-rc5", ["stable"]);
    expect(report.signatures?.map((s) => [s.artifact, s.pushed])).toEqual([
      ["config", true],
      ["release", true],
    ]);
    // The signature tags sit beside the artifacts, and are not mistaken for channels.
    expect(await store.config.listTags()).toEqual([signatureTag(report.configBundle.digest), "1.0-rc5"].sort());
    expect((await listChannels(store)).channels.map((c) => c.channel)).toEqual(["stable"]);

    const out = join(tempDir(), "appliance");
    const pulled = await pullRelease(store, {
      reference: "stable",
      outDir: out,
      verify: verifyWith(store, [strangerPub, vendorPub]),
      fluxVerifyKeys: [vendorPub.pem, strangerPub.pem],
      ...(kind === "layout" ? { fluxUrl: "oci://mirror.local/alga/alga-appliance-config" } : {}),
    });
    expect(pulled.version).toBe("1.0-rc5");
    const [source, , secret] = parseAllDocuments(readFileSync(join(out, "flux", "source.yaml"), "utf8")).map((doc) => doc.toJS());
    expect(source).toMatchObject({ kind: "OCIRepository", spec: { verify: { provider: "cosign", secretRef: { name: "alga-appliance-cosign" } } } });
    expect(secret).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "alga-appliance-cosign", namespace: source.metadata.namespace },
      type: "Opaque",
      stringData: { "cosign.pub": vendorPub.pem, "cosign-2.pub": strangerPub.pem },
    });
  });

  it("--signature-format both: a classic signature and a sigstore bundle referrer per artifact, both verified on pull", async () => {
    const store = freshStore(kind);
    const signer = releaseSigner(store, vendor, { formats: signatureFormats("both") });
    const report = await publishRelease(await openStagedRelease(dist, "1.0-rc5"), store, { channels: ["stable"], signer });
    expect(report.signatures?.map((s) => [s.artifact, s.format, s.pushed])).toEqual([
      ["config", "classic", true],
      ["config", "bundle", true],
      ["release", "classic", true],
      ["release", "bundle", true],
    ]);
    const hex = report.configBundle.digest.slice(7);
    expect(await store.config.listTags()).toEqual(["1.0-rc5", `sha256-${hex}`, `sha256-${hex}.sig`]);
    expect((await listChannels(store)).channels.map((c) => c.channel)).toEqual(["stable"]);
    const verified = await verifyReleaseSignatures(store, await resolveRelease(store, "stable"), [vendorPub]);
    expect([verified.config.formats, verified.release.formats]).toEqual([
      ["classic", "bundle"],
      ["classic", "bundle"],
    ]);
    const again = await publishRelease(await openStagedRelease(dist, "1.0-rc5"), store, { channels: ["stable"], signer });
    expect(again.signatures?.map((s) => s.pushed)).toEqual([false, false, false, false]);
    await expectPullRefused(store, [strangerPub], /no valid signature by the given key/);
  });

  it("re-publishing an unchanged signed release adds nothing", async () => {
    const store = freshStore(kind);
    const first = await publishSigned(store);
    const sigs = async () => [(await store.config.resolve(signatureTag(first.configBundle.digest)))?.digest, (await store.release.resolve(signatureTag(first.releaseArtifact.digest)))?.digest];
    const before = await sigs();
    const again = await publishSigned(store);
    expect(again).toMatchObject({ alreadyPublished: true, blobsUploaded: 0, bytesUploaded: 0 });
    expect(again.signatures?.map((s) => s.pushed)).toEqual([false, false]);
    expect(await sigs()).toEqual(before);
  });

  it("pull refuses an unsigned release, another key, and a tampered signature, leaving nothing behind", async () => {
    const store = freshStore(kind);
    await publishRelease(await openStagedRelease(dist, "1.0-rc5"), store);
    await expectPullRefused(store, [vendorPub], /alga-appliance-release@sha256:[0-9a-f]{64} is not signed/);

    // Signed by someone else.
    const release = await resolveRelease(store, "1.0-rc5");
    await signRelease(store, release, stranger);
    await expectPullRefused(store, [vendorPub], /no valid signature by the given key\(s\)[\s\S]*another key/);

    // The vendor's signature with one bit flipped.
    await signRelease(store, release, vendor);
    const tag = signatureTag(release.artifact.descriptor.digest);
    const image = JSON.parse(Buffer.from((await store.release.fetchManifest(tag)).bytes).toString());
    for (const layer of image.layers) {
      const signature = Buffer.from(layer.annotations[SIGNATURE_ANNOTATION], "base64");
      signature[10]! ^= 1;
      layer.annotations[SIGNATURE_ANNOTATION] = signature.toString("base64");
    }
    await store.release.pushManifest(new TextEncoder().encode(JSON.stringify(image)), image.mediaType, tag);
    await expectPullRefused(store, [vendorPub], /signature 2: the signature does not verify/);
  });

  it("pull refuses a signed release whose bundle is not signed (both artifacts must be)", async () => {
    const store = freshStore(kind);
    const staged = await openStagedRelease(dist, "1.0-rc5");
    const signer = releaseSigner(store, vendor);
    await publishRelease(staged, store, { signer: async (which, repository, digest) => (which === "release" ? signer(which, repository, digest) : []) });
    await expectPullRefused(store, [vendorPub], /alga-appliance-config@sha256:[0-9a-f]{64} is not signed/);
  });

  it("promote --verify-key refuses an unsigned release and leaves the channel where it was", async () => {
    const store = freshStore(kind);
    await publishSigned(store, "1.0-rc5", ["stable"]);
    await publishRelease(await openStagedRelease(dist, "1.0.0"), store);
    const before = await store.release.resolve("stable");
    await expect(promoteChannel(store, "stable", "1.0.0", () => {}, { verify: verifyWith(store) })).rejects.toThrow(/is not signed/);
    expect(await store.release.resolve("stable")).toEqual(before);
    // Signed, it moves.
    await signRelease(store, await resolveRelease(store, "1.0.0"), vendor);
    expect(await promoteChannel(store, "stable", "1.0.0", () => {}, { verify: verifyWith(store) })).toMatchObject({ moved: true, version: "1.0.0" });
  });
});

describe("signature identity", () => {
  it("a registry names itself; a layout the bare repository unless an identity is given; a copy elsewhere is refused", async () => {
    const store = openReleaseStore({ registry: `${registry.host}/alga`, plainHttp: true });
    expect(signatureIdentity(store, "config")).toBe(`${registry.host}/alga/alga-appliance-config`);
    const layout = openReleaseStore({ ociLayout: tempDir() });
    expect(signatureIdentity(layout, "release")).toBe("alga-appliance-release");
    expect(signatureIdentity(layout, "release", "ghcr.io/nine-minds")).toBe("ghcr.io/nine-minds/alga-appliance-release");
    expect(signatureIdentity(layout, "release", "docker.io/nineminds")).toBe("index.docker.io/nineminds/alga-appliance-release");
    expect(() => signatureIdentity(layout, "release", "not a registry")).toThrow(/--identity "not a registry"/);
    expect(() => signatureFormats("cms")).toThrow(/--signature-format "cms": use classic/);

    // Signed for the vendor's namespace in a layout; verified there with that identity, refused without it.
    await publishRelease(await openStagedRelease(dist, "1.0-rc5"), layout, { signer: releaseSigner(layout, vendor, { identity: "ghcr.io/nine-minds" }) });
    const release = await resolveRelease(layout, "1.0-rc5");
    await expect(verifyReleaseSignatures(layout, release, [vendorPub], "ghcr.io/nine-minds")).resolves.toMatchObject({ release: { dockerReference: "ghcr.io/nine-minds/alga-appliance-release" } });
    await expect(verifyReleaseSignatures(layout, release, [vendorPub])).rejects.toThrow(/names repository ghcr\.io\/nine-minds\/alga-appliance-release, not alga-appliance-release/);
  });
});

/** Records every write, to check that signatures precede every tag. */
function recording(repository: ContentRepository, name: string, log: string[]): ContentRepository {
  return {
    ...repository,
    location: repository.location,
    hasBlob: (d) => repository.hasBlob(d),
    fetchBlob: (d, s) => repository.fetchBlob(d, s),
    resolve: (r) => repository.resolve(r),
    fetchManifest: (r) => repository.fetchManifest(r),
    listTags: () => repository.listTags(),
    pushBlob: (descriptor, data) => repository.pushBlob(descriptor, data),
    pushManifest: async (bytes, mediaType, reference) => {
      log.push(`${name} ${reference.startsWith("sha256:") && !reference.endsWith(".sig") ? "by digest" : reference.endsWith(".sig") ? "signature" : reference}`);
      return repository.pushManifest(bytes, mediaType, reference);
    },
  };
}

describe("publish order with a signer", () => {
  it("pushes both signatures after the manifests and before any version or channel tag", async () => {
    const base = openReleaseStore({ ociLayout: tempDir() });
    const log: string[] = [];
    const store = { ...base, config: recording(base.config, "config", log), release: recording(base.release, "release", log) };
    await publishRelease(await openStagedRelease(dist, "1.0-rc5"), store, { channels: ["stable"], signer: releaseSigner(store, vendor) });
    expect(log).toEqual(["config by digest", "release by digest", "config signature", "release signature", "config 1.0-rc5", "release 1.0-rc5", "release stable"]);
  });
});
