import { sha256Digest } from "../oci/digest.js";
import type { ContentRepository } from "../oci/types.js";
import { signatureTag, SIMPLE_SIGNING_MEDIA_TYPE, type SignatureFormat } from "./cosign-format.js";

export type { SignatureFormat } from "./cosign-format.js";
import { signPayload } from "./ecdsa-signature.js";
import { readStoredSignatures } from "./read-signatures.js";
import { attachBundle, readStoredBundles } from "./bundle-referrer.js";
import { buildSignatureImage, type SignatureLayer } from "./signature-image.js";
import { buildSigstoreBundle, checkSigstoreBundle } from "./sigstore-bundle.js";
import type { SigningKey } from "./signing-keys.js";
import { simpleSigningPayload } from "./simple-signing-payload.js";
import { verifyStoredSignature } from "./verify-artifact.js";

export interface SignOutcome {
  readonly format: SignatureFormat;
  /** `<repository>:sha256-<hex>.sig`, or `<repository>@<referrer digest>` for a bundle */
  readonly signatureReference: string;
  /** False when a valid signature by this key over the same payload was already there (nothing written). */
  readonly pushed: boolean;
}

/**
 * Signs the manifest `digest` in `repository` the way `cosign sign --key` does: the simple-signing
 * payload naming `dockerReference` and `digest`, signed with `key`, as a layer of the image tagged
 * `sha256-<hex>.sig`. Signatures already there (other keys) are kept; when this key already signed
 * this exact payload, nothing is written, so re-signing an unchanged release adds nothing.
 */
export async function signArtifact(repository: ContentRepository, dockerReference: string, digest: string, key: SigningKey): Promise<SignOutcome> {
  const tag = signatureTag(digest);
  const signatureReference = `${repository.location}:${tag}`;
  const payload = simpleSigningPayload({ dockerReference, digest });
  const stored = await readStoredSignatures(repository, digest);
  const keep: SignatureLayer[] = [];
  for (const existing of stored?.signatures ?? []) {
    if (!existing.payload || existing.signature === undefined) continue; // unreadable layers are dropped, not re-published
    const result = verifyStoredSignature(existing, [key], { dockerReference, digest });
    if (result.ok) return { format: "classic", signatureReference, pushed: false };
    keep.push({ payload: existing.payload, signature: existing.signature, ...(existing.layer.annotations ? { annotations: existing.layer.annotations } : {}) });
  }
  const signature = Buffer.from(signPayload(key.privateKey, payload)).toString("base64");
  const image = buildSignatureImage([...keep, { payload, signature }]);
  // Blobs first, then the manifest under its tag: the tag never names anything incomplete.
  for (const layer of [...keep.map((k) => k.payload), payload]) {
    await repository.pushBlob({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, digest: sha256Digest(layer), size: layer.byteLength }, layer);
  }
  await repository.pushBlob(image.config.descriptor, image.config.data);
  await repository.pushManifest(image.manifest.bytes, image.manifest.mediaType, tag);
  return { format: "classic", signatureReference, pushed: true };
}

/**
 * Signs the manifest `digest` in `repository` as `cosign sign --key --new-bundle-format` does (without
 * a transparency-log entry): a sigstore bundle attached as a referrer. Nothing is written when a
 * bundle by this key for this digest and repository is already attached.
 */
export async function signArtifactBundle(repository: ContentRepository, dockerReference: string, digest: string, key: SigningKey): Promise<SignOutcome> {
  for (const stored of await readStoredBundles(repository, digest)) {
    if (stored.bundle && checkSigstoreBundle(stored.bundle, [key], { dockerReference, digest }).ok) {
      return { format: "bundle", signatureReference: `${repository.location}@${stored.manifest.digest}`, pushed: false };
    }
  }
  const subject = await repository.resolve(digest);
  if (!subject) throw new Error(`${repository.location}@${digest} does not exist; push it before signing it`);
  const reference = await attachBundle(repository, subject, buildSigstoreBundle({ dockerReference, digest }, key.privateKey, key.publicKey));
  return { format: "bundle", signatureReference: reference, pushed: true };
}
