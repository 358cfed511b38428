import { execFile } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifact } from "../../src/oci/build-artifact.js";
import { sha256Digest } from "../../src/oci/digest.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { signatureTag, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE } from "../../src/signing/cosign-format.js";
import { signPayload } from "../../src/signing/ecdsa-signature.js";
import { signArtifact } from "../../src/signing/sign-artifact.js";
import { buildSignatureImage } from "../../src/signing/signature-image.js";
import { generateSigningKey, publicKeyPem, type SigningKey } from "../../src/signing/signing-keys.js";
import { simpleSigningPayload } from "../../src/signing/simple-signing-payload.js";
import { verifyArtifact } from "../../src/signing/verify-artifact.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { tempDir } from "../support/temp-dir.js";

const run = promisify(execFile);
let registry: RunningRegistry;
let layoutDir: string;
const vendor = generateSigningKey();
const stranger = generateSigningKey();

beforeAll(async () => {
  registry = await startRegistry();
  layoutDir = tempDir();
});
afterAll(() => registry?.stop());

let counter = 0;
/** A fresh repository holding one small artifact; returns its digest and the docker-reference it is signed for. */
async function artifactIn(kind: "registry" | "layout"): Promise<{ repository: ContentRepository; digest: string; reference: string; blobFile: (digest: string) => string }> {
  const name = `signed/thing-${++counter}`;
  const repository =
    kind === "registry" ? new RegistryClient({ registry: registry.host, plainHttp: true, userAgent: "test" }).repository(name) : openLayoutRepository(layoutDir, name);
  const artifact = buildArtifact({
    config: { mediaType: "application/vnd.example.config.v1+json", data: new TextEncoder().encode(`{"n":${counter}}`) },
    layers: [{ mediaType: "application/vnd.example.layer.v1", data: new TextEncoder().encode(`content ${counter}`) }],
  });
  for (const blob of [artifact.config, ...artifact.layers]) await repository.pushBlob(blob.descriptor, blob.data);
  await repository.pushManifest(artifact.manifest.data, artifact.manifest.descriptor.mediaType, artifact.manifest.descriptor.digest);
  const reference = kind === "registry" ? `${registry.host}/${name}` : name;
  const blobFile = (digest: string) => (kind === "registry" ? registry.blobDataPath(digest) : join(layoutDir, name, "blobs", "sha256", digest.slice(7)));
  return { repository, digest: artifact.manifest.descriptor.digest, reference, blobFile };
}

/** The stored signature image, parsed. */
async function signatureImage(repository: ContentRepository, digest: string): Promise<{ descriptor: { digest: string }; manifest: any; bytes: Uint8Array }> {
  const fetched = await repository.fetchManifest(signatureTag(digest));
  return { descriptor: fetched.descriptor, manifest: JSON.parse(Buffer.from(fetched.bytes).toString()), bytes: fetched.bytes };
}

/** Stores a hand-made signature image (payload, base64 signature) under the artifact's .sig tag. */
async function storeSignature(repository: ContentRepository, digest: string, payload: Uint8Array, signature: string): Promise<void> {
  const image = buildSignatureImage([{ payload, signature }]);
  await repository.pushBlob({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, digest: sha256Digest(payload), size: payload.byteLength }, payload);
  await repository.pushBlob(image.config.descriptor, image.config.data);
  await repository.pushManifest(image.manifest.bytes, image.manifest.mediaType, signatureTag(digest));
}

const sign = (key: SigningKey, payload: Uint8Array) => Buffer.from(signPayload(key.privateKey, payload)).toString("base64");

describe.each(["registry", "layout"] as const)("cosign signatures in a %s", (kind) => {
  it("signs as cosign does, verifies, and openssl agrees independently", async () => {
    const { repository, digest, reference } = await artifactIn(kind);
    const outcome = await signArtifact(repository, reference, digest, vendor);
    expect(outcome).toEqual({ format: "classic", signatureReference: `${repository.location}:${signatureTag(digest)}`, pushed: true });
    expect(await verifyArtifact(repository, reference, digest, [stranger, vendor])).toMatchObject({ fingerprint: vendor.fingerprint });

    // The image cosign writes: an OCI manifest, OCI config listing the payload as diff ID, one simple-signing layer.
    const { manifest } = await signatureImage(repository, digest);
    expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json" } });
    expect(manifest.layers).toHaveLength(1);
    const layer = manifest.layers[0];
    expect(layer.mediaType).toBe(SIMPLE_SIGNING_MEDIA_TYPE);
    const payload = await repository.fetchBlob(layer.digest, layer.size);
    expect(Buffer.from(payload)).toEqual(Buffer.from(simpleSigningPayload({ dockerReference: reference, digest })));
    const config = JSON.parse(Buffer.from(await repository.fetchBlob(manifest.config.digest)).toString());
    expect(config).toEqual({ architecture: "", created: "0001-01-01T00:00:00Z", history: [{ created: "0001-01-01T00:00:00Z" }], os: "", rootfs: { type: "layers", diff_ids: [layer.digest] }, config: {} });
    // cosign parses the payload as its JSON.
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({
      critical: { identity: { "docker-reference": reference }, image: { "docker-manifest-digest": digest }, type: "cosign container image signature" },
      optional: null,
    });

    // Independent check: openssl verifies the DER signature over SHA-256 of the payload with cosign.pub.
    const dir = tempDir();
    writeFileSync(join(dir, "cosign.pub"), publicKeyPem(vendor.publicKey));
    writeFileSync(join(dir, "payload"), payload);
    writeFileSync(join(dir, "sig.der"), Buffer.from(layer.annotations[SIGNATURE_ANNOTATION], "base64"));
    const openssl = await run("openssl", ["dgst", "-sha256", "-verify", join(dir, "cosign.pub"), "-signature", join(dir, "sig.der"), join(dir, "payload")]);
    expect(openssl.stdout).toContain("Verified OK");
    writeFileSync(join(dir, "payload"), Buffer.concat([payload, Buffer.from(" ")]));
    await expect(run("openssl", ["dgst", "-sha256", "-verify", join(dir, "cosign.pub"), "-signature", join(dir, "sig.der"), join(dir, "payload")])).rejects.toMatchObject({ code: 1, stdout: expect.not.stringContaining("Verified OK") });
  });

  it("signing again with the same key adds nothing; another key adds a layer and both verify", async () => {
    const { repository, digest, reference } = await artifactIn(kind);
    await signArtifact(repository, reference, digest, vendor);
    const first = await signatureImage(repository, digest);
    expect(await signArtifact(repository, reference, digest, vendor)).toMatchObject({ pushed: false });
    expect((await signatureImage(repository, digest)).descriptor.digest).toBe(first.descriptor.digest);

    expect(await signArtifact(repository, reference, digest, stranger)).toMatchObject({ pushed: true });
    const both = await signatureImage(repository, digest);
    expect(both.manifest.layers).toHaveLength(2);
    expect(both.manifest.layers[0]).toEqual(first.manifest.layers[0]);
    expect(await verifyArtifact(repository, reference, digest, [vendor])).toMatchObject({ fingerprint: vendor.fingerprint });
    expect(await verifyArtifact(repository, reference, digest, [stranger])).toMatchObject({ fingerprint: stranger.fingerprint });
  });

  describe("refuses", () => {
    it("an unsigned artifact", async () => {
      const { repository, digest, reference } = await artifactIn(kind);
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/is not signed \(no sha256-[0-9a-f]{64}\.sig signature/);
    });

    it("a signature by another key", async () => {
      const { repository, digest, reference } = await artifactIn(kind);
      await signArtifact(repository, reference, digest, stranger);
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/signature 1: the signature does not verify with any given key/);
    });

    it("a vendor-signed payload that names another digest (a signature copied from another artifact)", async () => {
      const { repository, digest, reference } = await artifactIn(kind);
      const other = await artifactIn(kind);
      const payload = simpleSigningPayload({ dockerReference: reference, digest: other.digest });
      await storeSignature(repository, digest, payload, sign(vendor, payload));
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(new RegExp(`names digest ${other.digest}, not ${digest}`));
    });

    it("a vendor-signed payload that names another repository", async () => {
      const { repository, digest, reference } = await artifactIn(kind);
      await signArtifact(repository, "evil.example.com/other/repo", digest, vendor);
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/names repository evil\.example\.com\/other\/repo, not /);
    });

    it("a tampered signature", async () => {
      const { repository, digest, reference } = await artifactIn(kind);
      const payload = simpleSigningPayload({ dockerReference: reference, digest });
      const signature = Buffer.from(signPayload(vendor.privateKey, payload));
      signature[signature.length - 3]! ^= 0x01;
      await storeSignature(repository, digest, payload, signature.toString("base64"));
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/does not verify with any given key/);
      await storeSignature(repository, digest, payload, "not base64!");
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/annotation is not canonical padded standard base64/);
    });

    it("a tampered payload, re-addressed or altered in storage", async () => {
      const { repository, digest, reference, blobFile } = await artifactIn(kind);
      const payload = simpleSigningPayload({ dockerReference: reference, digest });
      const signature = sign(vendor, payload);
      // Re-addressed: a new payload under its own digest, carrying the vendor's signature of the old one.
      const altered = new TextEncoder().encode(Buffer.from(payload).toString().replace('"optional":null', '"optional":{"x":"y"}'));
      await storeSignature(repository, digest, altered, signature);
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/does not verify with any given key/);
      // Altered in storage: the bytes under the payload's digest changed.
      await signArtifact(repository, reference, digest, vendor);
      const stored = await signatureImage(repository, digest);
      const file = blobFile(stored.manifest.layers.at(-1).digest);
      chmodSync(file, 0o644);
      writeFileSync(file, Buffer.from(payload).toString().replace("cosign", "cosigm"));
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/cannot be read intact/);
    });
  });
});

describe("signature images cosign wrote with Docker media types", () => {
  it("are read and verified like OCI ones", async () => {
    const { repository, digest, reference } = await artifactIn("layout");
    const payload = simpleSigningPayload({ dockerReference: reference, digest });
    const image = buildSignatureImage([{ payload, signature: sign(vendor, payload) }]);
    const docker = JSON.parse(Buffer.from(image.manifest.bytes).toString());
    docker.mediaType = "application/vnd.docker.distribution.manifest.v2+json";
    docker.config.mediaType = "application/vnd.docker.container.image.v1+json";
    await repository.pushBlob({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, digest: sha256Digest(payload), size: payload.byteLength }, payload);
    await repository.pushBlob(image.config.descriptor, image.config.data);
    await repository.pushManifest(new TextEncoder().encode(JSON.stringify(docker)), docker.mediaType, signatureTag(digest));
    expect(await verifyArtifact(repository, reference, digest, [vendor])).toMatchObject({ fingerprint: vendor.fingerprint, formats: ["classic"] });
  });
});
