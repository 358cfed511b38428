import type { KeyObject } from "node:crypto";
import { UserError } from "../errors.js";
import type { ContentRepository } from "../oci/types.js";
import { signatureTag, type SignatureFormat } from "./cosign-format.js";
import { verifyPayload } from "./ecdsa-signature.js";
import { readStoredBundles } from "./bundle-referrer.js";
import { readStoredSignatures, type StoredSignature } from "./read-signatures.js";
import { checkSigstoreBundle } from "./sigstore-bundle.js";
import { decodeStrictBase64 } from "./strict-base64.js";
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
  /** The signature(s) that verified: the `.sig` tag and/or the bundle referrer. */
  readonly signatureReference: string;
  /** Fingerprint of the key that verified it. */
  readonly fingerprint: string;
  /** The formats found, each of which verified. */
  readonly formats: readonly SignatureFormat[];
}


/**
 * Checks one stored signature: it verifies with one of `keys` AND its payload names exactly the
 * expected repository and digest. The second half is what Flux's classic-signature check leaves out
 * (source-controller sets no claim verifier), so a valid signature of another artifact copied next
 * to this one is refused here.
 */
export function verifyStoredSignature(stored: StoredSignature, keys: readonly TrustedKey[], expected: SignedClaim): SignatureCheck {
  if (stored.problem) return { ok: false, reason: stored.problem };
  if (!stored.payload || stored.signature === undefined) return { ok: false, reason: "no payload or signature" };
  const signature = decodeStrictBase64(stored.signature);
  if (!signature) return { ok: false, reason: "the signature annotation is not canonical padded standard base64 (as Go's strict decoder requires)" };
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
 * Verifies that manifest `digest` in `repository` is signed by one of `keys` with a payload naming
 * `dockerReference` and `digest`: cosign's classic `.sig` image and/or a sigstore bundle referrer.
 * Whichever formats are present must each hold a valid signature (Flux ≥ 2.8 reads only the bundle
 * when there is one, older Flux and cosign the classic one). Throws `SignatureVerificationError`
 * with every signature's reason otherwise.
 */
export async function verifyArtifact(repository: ContentRepository, dockerReference: string, digest: string, keys: readonly TrustedKey[]): Promise<VerifiedSignature> {
  const where = `${repository.location}@${digest}`;
  const expected = { dockerReference, digest };
  const classic = (await readStoredSignatures(repository, digest))?.signatures ?? [];
  const bundles = await readStoredBundles(repository, digest);
  if (classic.length === 0 && bundles.length === 0) {
    throw new SignatureVerificationError(`${where} is not signed (no ${signatureTag(digest)} signature and no sigstore bundle in ${repository.location}); sign it with npm run sign, or pull from the vendor's registry`, ["unsigned"]);
  }
  const references: string[] = [];
  const formats: SignatureFormat[] = [];
  let fingerprint = "";
  const refuse = (what: string, reasons: string[]) => {
    const listed = reasons.map((reason, index) => `  ${what} ${index + 1}: ${reason}`).join("\n");
    throw new SignatureVerificationError(`${where}: no valid ${what} by the given key(s) ${keys.map((key) => key.fingerprint.slice(0, 19)).join(", ")}; refusing it\n${listed}`, reasons);
  };
  if (classic.length > 0) {
    const reasons: string[] = [];
    const valid = classic.map((signature) => verifyStoredSignature(signature, keys, expected)).find((check) => check.ok || (reasons.push(check.reason), false));
    if (!valid?.ok) refuse("signature", reasons);
    else {
      references.push(`${repository.location}:${signatureTag(digest)}`);
      formats.push("classic");
      fingerprint = valid.fingerprint;
    }
  }
  if (bundles.length > 0) {
    const reasons: string[] = [];
    let found: { fingerprint: string; reference: string } | undefined;
    for (const stored of bundles) {
      const check = stored.bundle ? checkSigstoreBundle(stored.bundle, keys, expected) : { ok: false as const, reason: stored.problem ?? "unreadable" };
      if (check.ok) {
        found = { fingerprint: check.fingerprint, reference: `${repository.location}@${stored.manifest.digest}` };
        break;
      }
      reasons.push(check.reason);
    }
    if (!found) refuse("sigstore bundle", reasons);
    else {
      references.push(found.reference);
      formats.push("bundle");
      fingerprint ||= found.fingerprint;
    }
  }
  return { signatureReference: references.join(" "), fingerprint, formats };
}
