import { sha256Digest } from "../oci/digest.js";
import type { ContentRepository } from "../oci/types.js";
import { signatureTag, SIMPLE_SIGNING_MEDIA_TYPE } from "./cosign-format.js";
import { signPayload } from "./ecdsa-signature.js";
import { readStoredSignatures } from "./read-signatures.js";
import { buildSignatureImage, type SignatureLayer } from "./signature-image.js";
import type { SigningKey } from "./signing-keys.js";
import { simpleSigningPayload } from "./simple-signing-payload.js";
import { verifyStoredSignature } from "./verify-artifact.js";

export interface SignOutcome {
  /** `<repository>:sha256-<hex>.sig` */
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
    if (result.ok) return { signatureReference, pushed: false };
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
  return { signatureReference, pushed: true };
}
