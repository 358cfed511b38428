import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifact } from "../../src/oci/build-artifact.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { attachBundle, referrersTag } from "../../src/signing/bundle-referrer.js";
import { signArtifact, signArtifactBundle } from "../../src/signing/sign-artifact.js";
import { generateSigningKey, publicKeyPem } from "../../src/signing/signing-keys.js";
import { buildSigstoreBundle, dssePae } from "../../src/signing/sigstore-bundle.js";
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
async function artifactIn(kind: "registry" | "layout"): Promise<{ repository: ContentRepository; digest: string; reference: string }> {
  const name = `bundled/thing-${++counter}`;
  const repository =
    kind === "registry" ? new RegistryClient({ registry: registry.host, plainHttp: true, userAgent: "test" }).repository(name) : openLayoutRepository(layoutDir, name);
  const artifact = buildArtifact({
    config: { mediaType: "application/vnd.example.config.v1+json", data: new TextEncoder().encode(`{"n":${counter}}`) },
    layers: [{ mediaType: "application/vnd.example.layer.v1", data: new TextEncoder().encode(`content ${counter}`) }],
  });
  for (const blob of [artifact.config, ...artifact.layers]) await repository.pushBlob(blob.descriptor, blob.data);
  await repository.pushManifest(artifact.manifest.data, artifact.manifest.descriptor.mediaType, artifact.manifest.descriptor.digest);
  return { repository, digest: artifact.manifest.descriptor.digest, reference: kind === "registry" ? `${registry.host}/${name}` : name };
}

const json = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString("utf8"));

describe.each(["registry", "layout"] as const)("sigstore bundles as OCI 1.1 referrers in a %s", (kind) => {
  it("attaches a cosign-v3-shaped bundle through the referrers tag; it verifies, openssl agrees, and re-signing adds nothing", async () => {
    const { repository, digest, reference } = await artifactIn(kind);
    const outcome = await signArtifactBundle(repository, reference, digest, vendor);
    expect(outcome).toMatchObject({ format: "bundle", pushed: true });

    // The referrers-tag index lists the referrer; the referrer names the artifact as subject.
    const index = json((await repository.fetchManifest(referrersTag(digest))).bytes);
    expect(index).toMatchObject({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json" });
    expect(index.manifests).toEqual([expect.objectContaining({ mediaType: "application/vnd.oci.image.manifest.v1+json", artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json" })]);
    const referrer = json((await repository.fetchManifest(index.manifests[0].digest)).bytes);
    expect(referrer).toMatchObject({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      config: { mediaType: "application/vnd.oci.empty.v1+json", size: 2 },
      subject: { digest, mediaType: "application/vnd.oci.image.manifest.v1+json" },
      annotations: { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1" },
    });
    expect(referrer.layers).toHaveLength(1);
    const bundle = json(await repository.fetchBlob(referrer.layers[0].digest, referrer.layers[0].size));
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(bundle.verificationMaterial.publicKey.hint).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(bundle.dsseEnvelope.payloadType).toBe("application/vnd.in-toto+json");
    const statementBytes = Buffer.from(bundle.dsseEnvelope.payload, "base64");
    expect(JSON.parse(statementBytes.toString())).toEqual({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: reference, digest: { sha256: digest.slice(7) } }],
      predicateType: "https://sigstore.dev/cosign/sign/v1",
      predicate: {},
    });
    // Independent check: openssl verifies the DSSE signature over the pre-authentication encoding.
    const dir = tempDir();
    writeFileSync(join(dir, "cosign.pub"), publicKeyPem(vendor.publicKey));
    writeFileSync(join(dir, "pae"), dssePae("application/vnd.in-toto+json", statementBytes));
    writeFileSync(join(dir, "sig.der"), Buffer.from(bundle.dsseEnvelope.signatures[0].sig, "base64"));
    expect((await run("openssl", ["dgst", "-sha256", "-verify", join(dir, "cosign.pub"), "-signature", join(dir, "sig.der"), join(dir, "pae")])).stdout).toContain("Verified OK");

    expect(await verifyArtifact(repository, reference, digest, [vendor])).toMatchObject({ fingerprint: vendor.fingerprint, formats: ["bundle"] });
    expect(await signArtifactBundle(repository, reference, digest, vendor)).toMatchObject({ pushed: false });
    expect(json((await repository.fetchManifest(referrersTag(digest))).bytes).manifests).toHaveLength(1);
  });

  it("refuses a bundle by another key, for another digest or repository, or with a tampered signature", async () => {
    const other = await artifactIn(kind);
    {
      const { repository, digest, reference } = await artifactIn(kind);
      await signArtifactBundle(repository, reference, digest, stranger);
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/no valid sigstore bundle[\s\S]*does not verify with any given key/);
    }
    {
      const { repository, digest, reference } = await artifactIn(kind);
      const subject = (await repository.resolve(digest))!;
      await attachBundle(repository, subject, buildSigstoreBundle({ dockerReference: reference, digest: other.digest }, vendor.privateKey, vendor.publicKey));
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(new RegExp(`does not name digest ${digest}`));
    }
    {
      const { repository, digest, reference } = await artifactIn(kind);
      await signArtifactBundle(repository, "evil.example.com/x", digest, vendor);
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/names repository evil\.example\.com\/x, not /);
    }
    {
      const { repository, digest, reference } = await artifactIn(kind);
      const bundle = json(buildSigstoreBundle({ dockerReference: reference, digest }, vendor.privateKey, vendor.publicKey));
      const signature = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, "base64");
      signature[12]! ^= 1;
      bundle.dsseEnvelope.signatures[0].sig = signature.toString("base64");
      await attachBundle(repository, (await repository.resolve(digest))!, new TextEncoder().encode(JSON.stringify(bundle)));
      await expect(verifyArtifact(repository, reference, digest, [vendor])).rejects.toThrow(/does not verify with any given key/);
    }
  });

  it("when both formats are published, both must verify", async () => {
    const { repository, digest, reference } = await artifactIn(kind);
    await signArtifact(repository, reference, digest, vendor);
    await signArtifactBundle(repository, reference, digest, vendor);
    expect(await verifyArtifact(repository, reference, digest, [vendor])).toMatchObject({ formats: ["classic", "bundle"] });

    const mixed = await artifactIn(kind);
    await signArtifact(mixed.repository, mixed.reference, mixed.digest, vendor);
    await signArtifactBundle(mixed.repository, mixed.reference, mixed.digest, stranger);
    await expect(verifyArtifact(mixed.repository, mixed.reference, mixed.digest, [vendor])).rejects.toThrow(/no valid sigstore bundle by the given key/);
  });
});
