import type { KeyObject } from "node:crypto";
import { UserError } from "../errors.js";
import type { ContentRepository } from "../oci/types.js";
import { signatureTag } from "./cosign-format.js";
import { verifyPayload } from "./ecdsa-signature.js";
import { readStoredSignatures, type StoredSignature } from "./read-signatures.js";
import { parseSimpleSigningPayload, type SignedClaim } from "./simple-signing-payload.js";

/** A key a signature may verify with. */
export interface TrustedKey {
  readonly publicKey: KeyObject;
  readonly fingerprint: string;
}

export type SignatureCheck = { readonly ok: true; readonly fingerprint: string } | { readonly ok: false; readonly reason: string };

/** Refusal of an artifact's signatures: unsigned, another key, a payload for something else, or tampering. */
export class SignatureVerificationError extends UserError {
  constructor(
    message: string,
    readonly reasons: readonly string[],
  ) {
    // `reasons` also lands in the --json error document.
    super(message, { reasons });
    this.name = "SignatureVerificationError";
  }
}

export interface VerifiedSignature {
  readonly signatureReference: string;
  /** Fingerprint of the key that verified it. */
  readonly fingerprint: string;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks one stored signature: it verifies with one of `keys` AND its payload names exactly the
 * expected repository and digest. The second half is what Flux's classic-signature check leaves out
 * (source-controller sets no claim verifier), so a valid signature of another artifact copied next
 * to this one is refused here.
 */
export function verifyStoredSignature(stored: StoredSignature, keys: readonly TrustedKey[], expected: SignedClaim): SignatureCheck {
  if (stored.problem) return { ok: false, reason: stored.problem };
  if (!stored.payload || stored.signature === undefined) return { ok: false, reason: "no payload or signature" };
  if (!STRICT_BASE64.test(stored.signature)) return { ok: false, reason: "the signature annotation is not base64" };
  const signature = Buffer.from(stored.signature, "base64");
  const key = keys.find((candidate) => verifyPayload(candidate.publicKey, stored.payload!, signature));
  if (!key) return { ok: false, reason: "the signature does not verify with any given key (signed by another key, or the signature or payload was altered)" };
  let claim: SignedClaim;
  try {
    claim = parseSimpleSigningPayload(stored.payload);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (claim.digest !== expected.digest) return { ok: false, reason: `the signed payload names digest ${claim.digest}, not ${expected.digest}` };
  if (claim.dockerReference !== expected.dockerReference) {
    return { ok: false, reason: `the signed payload names repository ${claim.dockerReference}, not ${expected.dockerReference}` };
  }
  return { ok: true, fingerprint: key.fingerprint };
}

/**
 * Verifies that manifest `digest` in `repository` carries a cosign signature by one of `keys` whose
 * payload names `dockerReference` and `digest`. Throws `SignatureVerificationError` with every
 * layer's reason otherwise.
 */
export async function verifyArtifact(repository: ContentRepository, dockerReference: string, digest: string, keys: readonly TrustedKey[]): Promise<VerifiedSignature> {
  const where = `${repository.location}@${digest}`;
  const stored = await readStoredSignatures(repository, digest);
  if (!stored || stored.signatures.length === 0) {
    throw new SignatureVerificationError(`${where} is not signed (no ${signatureTag(digest)} signature in ${repository.location}); sign it with npm run sign, or pull from the vendor's registry`, ["unsigned"]);
  }
  const reasons: string[] = [];
  for (const signature of stored.signatures) {
    const check = verifyStoredSignature(signature, keys, { dockerReference, digest });
    if (check.ok) return { signatureReference: `${repository.location}:${stored.tag}`, fingerprint: check.fingerprint };
    reasons.push(check.reason);
  }
  const listed = reasons.map((reason, index) => `  signature ${index + 1}: ${reason}`).join("\n");
  throw new SignatureVerificationError(
    `${where}: no valid signature by the given key(s) ${keys.map((key) => key.fingerprint.slice(0, 19)).join(", ")}; refusing it\n${listed}`,
    reasons,
  );
}
