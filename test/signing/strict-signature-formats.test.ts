/**
 * Issue 15 point 9: signatures are read the way cosign and Flux read them. A referrer they would
 * take as the bundle is verified (and refused when it does not verify) whatever spelling of the
 * bundle type it carries; base64 in bundles, signature annotations and key files is decoded as Go's
 * strict decoder does (canonical, padded).
 */
import { describe, expect, it } from "vitest";
import { sha256Digest } from "../../src/oci/digest.js";
import { buildArtifact } from "../../src/oci/build-artifact.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { OCI_EMPTY_JSON, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { referrersTag } from "../../src/signing/bundle-referrer.js";
import { decryptPrivateKey, encryptPrivateKey } from "../../src/signing/encrypted-private-key.js";
import { signArtifact } from "../../src/signing/sign-artifact.js";
import { generateSigningKey } from "../../src/signing/signing-keys.js";
import { buildSigstoreBundle, checkSigstoreBundle } from "../../src/signing/sigstore-bundle.js";
import { decodeStrictBase64 } from "../../src/signing/strict-base64.js";
import { verifyArtifact, verifyStoredSignature } from "../../src/signing/verify-artifact.js";
import { tempDir } from "../support/temp-dir.js";

const vendor = generateSigningKey();
const stranger = generateSigningKey();
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The same bytes spelled with non-zero padding bits: Node decodes it, Go's strict decoder refuses it. */
function nonCanonical(base64: string): string {
  const end = base64.replace(/=+$/, "");
  expect(end.length).toBeLessThan(base64.length);
  const last = ALPHABET.indexOf(end.at(-1)!);
  return `${end.slice(0, -1)}${ALPHABET[last | 1]}${base64.slice(end.length)}`;
}

async function artifact(name: string): Promise<{ repository: ContentRepository; digest: string }> {
  const repository = openLayoutRepository(tempDir(), name);
  const built = buildArtifact({ config: { mediaType: "application/vnd.example.config.v1+json", data: new TextEncoder().encode("{}") }, layers: [] });
  await repository.pushBlob(built.config.descriptor, built.config.data);
  await repository.pushManifest(built.manifest.data, built.manifest.descriptor.mediaType, built.manifest.descriptor.digest);
  return { repository, digest: built.manifest.descriptor.digest };
}

/** Attaches `bundle` as a referrer whose index entry and manifest carry `artifactType`. */
async function attachAs(repository: ContentRepository, digest: string, bundle: Uint8Array, artifactType: string | undefined, layerType = "application/vnd.dev.sigstore.bundle.v0.3+json"): Promise<void> {
  const empty = new TextEncoder().encode("{}");
  await repository.pushBlob({ mediaType: OCI_EMPTY_JSON, digest: sha256Digest(empty), size: 2 }, empty);
  await repository.pushBlob({ mediaType: layerType, digest: sha256Digest(bundle), size: bundle.byteLength }, bundle);
  const subject = (await repository.resolve(digest))!;
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      ...(artifactType ? { artifactType } : {}),
      config: { mediaType: OCI_EMPTY_JSON, digest: sha256Digest(empty), size: 2 },
      layers: [{ mediaType: layerType, digest: sha256Digest(bundle), size: bundle.byteLength }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    }),
  );
  const referrer = await repository.pushManifest(manifest, OCI_IMAGE_MANIFEST, sha256Digest(manifest));
  const index = { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: referrer.digest, size: referrer.size, ...(artifactType ? { artifactType } : {}) }] };
  await repository.pushManifest(new TextEncoder().encode(JSON.stringify(index)), OCI_IMAGE_INDEX, referrersTag(digest));
}

describe("a referrer cosign or Flux would take as the bundle", () => {
  for (const artifactType of ["application/vnd.dev.sigstore.bundle+json;version=0.3", "application/vnd.dev.sigstore.bundle.v0.2+json", undefined]) {
    it(`is verified, and refused when it does not verify (artifactType ${artifactType ?? "absent"}), even beside a valid .sig`, async () => {
      const { repository, digest } = await artifact("thing");
      await signArtifact(repository, "thing", digest, vendor);
      await attachAs(repository, digest, buildSigstoreBundle({ dockerReference: "thing", digest }, stranger.privateKey, stranger.publicKey), artifactType);
      await expect(verifyArtifact(repository, "thing", digest, [vendor])).rejects.toThrow(/no valid sigstore bundle by the given key/);
    });
  }

  it("the other spelling of the v0.3 bundle type verifies when it is valid", async () => {
    const { repository, digest } = await artifact("spelled");
    const bundle = JSON.parse(Buffer.from(buildSigstoreBundle({ dockerReference: "spelled", digest }, vendor.privateKey, vendor.publicKey)).toString("utf8"));
    bundle.mediaType = "application/vnd.dev.sigstore.bundle+json;version=0.3";
    await attachAs(repository, digest, new TextEncoder().encode(JSON.stringify(bundle)), "application/vnd.dev.sigstore.bundle+json;version=0.3");
    expect((await verifyArtifact(repository, "spelled", digest, [vendor])).formats).toEqual(["bundle"]);
  });

  it("a referrers index whose entries are not descriptors is refused, naming the field", async () => {
    const { repository, digest } = await artifact("broken-index");
    await signArtifact(repository, "broken-index", digest, vendor);
    const index = { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest, size: "12" }] };
    await repository.pushManifest(new TextEncoder().encode(JSON.stringify(index)), OCI_IMAGE_INDEX, referrersTag(digest));
    await expect(verifyArtifact(repository, "broken-index", digest, [vendor])).rejects.toThrow(/is not an image index of referrers: manifests\.0\.size/);
  });
});

describe("base64 is decoded strictly, as Go does", () => {
  it("canonical padded standard base64 only", () => {
    expect(decodeStrictBase64("QQ==")).toEqual(new Uint8Array([65]));
    for (const bad of ["QR==", "QQ", "QQ=", "Q Q==", "QQ==\n", "-_8=", "QQ==QQ=="]) expect(decodeStrictBase64(bad), bad).toBeUndefined();
  });

  it("a bundle whose signature or payload is spelled non-canonically is refused", () => {
    const digest = `sha256:${"1".repeat(64)}`;
    // Signatures vary in length; take one whose base64 has padding, so it has a second spelling.
    let bundle: any;
    do bundle = JSON.parse(Buffer.from(buildSigstoreBundle({ dockerReference: "x", digest }, vendor.privateKey, vendor.publicKey)).toString("utf8"));
    while (!bundle.dsseEnvelope.signatures[0].sig.endsWith("="));
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(checkSigstoreBundle(encode(bundle), [vendor], { dockerReference: "x", digest }).ok).toBe(true);
    const badSig = structuredClone(bundle);
    badSig.dsseEnvelope.signatures[0].sig = nonCanonical(bundle.dsseEnvelope.signatures[0].sig);
    expect(checkSigstoreBundle(encode(badSig), [vendor], { dockerReference: "x", digest })).toEqual({ ok: false, reason: expect.stringContaining("dsseEnvelope.signatures.0.sig: is not canonical padded standard base64") });
    const unpadded = structuredClone(bundle);
    unpadded.dsseEnvelope.payload = bundle.dsseEnvelope.payload.replace(/=+$/, "");
    if (unpadded.dsseEnvelope.payload !== bundle.dsseEnvelope.payload) {
      expect(checkSigstoreBundle(encode(unpadded), [vendor], { dockerReference: "x", digest })).toEqual({ ok: false, reason: expect.stringContaining("dsseEnvelope.payload") });
    }
  });

  it("a classic signature annotation spelled non-canonically is refused", async () => {
    const { repository, digest } = await artifact("classic");
    await signArtifact(repository, "classic", digest, vendor);
    const { readStoredSignatures } = await import("../../src/signing/read-signatures.js");
    let stored = (await readStoredSignatures(repository, digest))!.signatures[0]!;
    for (let i = 0; !stored.signature!.endsWith("=") && i < 50; i++) {
      // Re-sign a fresh artifact until the signature's base64 has padding.
      const next = await artifact(`classic-${i}`);
      await signArtifact(next.repository, "classic", next.digest, vendor);
      stored = (await readStoredSignatures(next.repository, next.digest))!.signatures[0]!;
      expect(verifyStoredSignature(stored, [vendor], { dockerReference: "classic", digest: next.digest }).ok).toBe(true);
      if (stored.signature!.endsWith("=")) {
        expect(verifyStoredSignature({ ...stored, signature: nonCanonical(stored.signature!) }, [vendor], { dockerReference: "classic", digest: next.digest })).toEqual({
          ok: false,
          reason: expect.stringContaining("not canonical padded standard base64"),
        });
        return;
      }
    }
    expect(verifyStoredSignature({ ...stored, signature: nonCanonical(stored.signature!) }, [vendor], { dockerReference: "classic", digest })).toEqual({
      ok: false,
      reason: expect.stringContaining("not canonical padded standard base64"),
    });
  });

  it("an encrypted key file with a non-canonical salt is refused", () => {
    const envelope = JSON.parse(Buffer.from(encryptPrivateKey(new Uint8Array(vendor.privateKey.export({ type: "pkcs8", format: "der" })), "pw")).toString("utf8"));
    expect(decryptPrivateKey(new TextEncoder().encode(JSON.stringify(envelope)), "pw").byteLength).toBeGreaterThan(0);
    envelope.kdf.salt = nonCanonical(envelope.kdf.salt);
    expect(() => decryptPrivateKey(new TextEncoder().encode(JSON.stringify(envelope)), "pw")).toThrow(/kdf\.salt is not canonical padded standard base64/);
  });
});
