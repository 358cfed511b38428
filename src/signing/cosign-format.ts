/**
 * The vocabulary of cosign's classic ("simple signing") signatures, as cosign and Flux read them.
 * Confirmed against sigstore/cosign (pkg/oci/static, pkg/oci/remote, pkg/oci/internal/signature)
 * and sigstore/sigstore (pkg/signature/payload).
 */

import { DIGEST_TAG_PATTERN, SHA256_DIGEST_PATTERN } from "../oci/registry-reference.js";

/** Media type of a signature layer (its blob is the simple-signing payload), and of cosign's signature image config. */
export { OCI_IMAGE_CONFIG_MEDIA_TYPE, SIMPLE_SIGNING_MEDIA_TYPE } from "../oci/media-types.js";

/** Layer annotation holding the base64 (standard, padded) DER ECDSA signature over the payload. */
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

/** The payload's `critical.type`. */
export const COSIGN_SIGNATURE_TYPE = "cosign container image signature";


/** The tag cosign stores the signatures of `digest` under, in the artifact's own repository: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  if (!SHA256_DIGEST_PATTERN.test(digest)) throw new Error(`cannot name the signature of "${digest}": not a sha256 digest`);
  return `sha256-${digest.slice("sha256:".length)}.sig`;
}

/**
 * True for tags cosign uses for signatures, attestations and SBOMs, and for OCI 1.1 referrers-tag
 * indexes (`sha256-<hex>`): never a version or channel.
 */
export function isCosignTag(tag: string): boolean {
  return DIGEST_TAG_PATTERN.test(tag);
}

/** Which signature format: cosign's classic `.sig` image, or a sigstore bundle attached as an OCI 1.1 referrer. */
export type SignatureFormat = "classic" | "bundle";
