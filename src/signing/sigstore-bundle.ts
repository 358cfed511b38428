import { INTOTO_PAYLOAD_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE } from "../oci/media-types.js";
import { createHash } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { signPayload, verifyPayload } from "./ecdsa-signature.js";
import type { SignedClaim } from "./simple-signing-payload.js";
import { firstIssue, InTotoStatement, SigstoreBundle } from "./sigstore-bundle-schema.js";

/**
 * The sigstore bundle cosign v3 writes for `cosign sign --key` in the new bundle format (read by
 * Flux ≥ 2.8 before classic signatures): a v0.3 bundle whose DSSE envelope carries an in-toto v1
 * statement with predicate type `https://sigstore.dev/cosign/sign/v1` and the signed manifest's
 * digest as subject. Confirmed against sigstore/cosign (cmd/cosign/cli/sign, pkg/oci/remote/write.go)
 * and sigstore/sigstore-go (pkg/bundle validation: a key bundle may have no transparency-log entry).
 */
export { INTOTO_PAYLOAD_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE };
export const INTOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const COSIGN_SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";

/** DSSE's pre-authentication encoding: what the signature is over. */
export function dssePae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.byteLength} `), payload]);
}

/**
 * The in-toto statement. cosign's subject has only the digest; ours also names the repository
 * (in-toto's `name`), so our verifier can refuse a bundle made for another repository.
 */
function cosignSignStatement(claim: SignedClaim): Uint8Array {
  const [algorithm, hex] = claim.digest.split(":");
  const statement = {
    _type: INTOTO_STATEMENT_TYPE,
    subject: [{ name: claim.dockerReference, digest: { [algorithm!]: hex } }],
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    predicate: {},
  };
  return new TextEncoder().encode(JSON.stringify(statement));
}

/** The public-key hint: base64 SHA-256 of the key's DER (verifiers given the key ignore it). */
function keyHint(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64");
}

/** A v0.3 bundle (protobuf JSON field names) signing `claim` with a key, without a transparency-log entry. */
export function buildSigstoreBundle(claim: SignedClaim, privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  const payload = cosignSignStatement(claim);
  const signature = signPayload(privateKey, dssePae(INTOTO_PAYLOAD_TYPE, payload));
  const bundle = {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: keyHint(publicKey) } },
    dsseEnvelope: {
      payload: Buffer.from(payload).toString("base64"),
      payloadType: INTOTO_PAYLOAD_TYPE,
      signatures: [{ sig: Buffer.from(signature).toString("base64") }],
    },
  };
  return new TextEncoder().encode(JSON.stringify(bundle));
}

export type BundleCheck = { readonly ok: true; readonly fingerprint: string } | { readonly ok: false; readonly reason: string };

/**
 * Checks a bundle: a v0.3 key bundle whose DSSE signature verifies with one of `keys`, over an
 * in-toto statement of cosign's sign predicate whose subject is exactly `expected.digest` (and,
 * when the subject is named, `expected.dockerReference`).
 */
export function checkSigstoreBundle(bytes: Uint8Array, keys: readonly { publicKey: KeyObject; fingerprint: string }[], expected: SignedClaim): BundleCheck {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: "the sigstore bundle is not JSON" };
  }
  const parsed = SigstoreBundle.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `not a sigstore bundle cosign would verify with a key (v0.3, an in-toto DSSE envelope): ${firstIssue(parsed.error)}` };
  const envelope = parsed.data.dsseEnvelope;
  const pae = dssePae(INTOTO_PAYLOAD_TYPE, envelope.payload);
  let fingerprint: string | undefined;
  for (const entry of envelope.signatures) {
    const key = keys.find((candidate) => verifyPayload(candidate.publicKey, pae, entry.sig));
    if (key) {
      fingerprint = key.fingerprint;
      break;
    }
  }
  if (!fingerprint) return { ok: false, reason: "the bundle's signature does not verify with any given key (signed by another key, or the bundle was altered)" };
  let statementJson: unknown;
  try {
    statementJson = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(envelope.payload));
  } catch {
    return { ok: false, reason: "the bundle's statement is not JSON" };
  }
  const statement = InTotoStatement.safeParse(statementJson);
  if (!statement.success || statement.data._type !== INTOTO_STATEMENT_TYPE || statement.data.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) {
    return { ok: false, reason: `the bundle's statement is not an in-toto ${COSIGN_SIGN_PREDICATE_TYPE} statement` };
  }
  const [algorithm, hex] = expected.digest.split(":");
  const subject = statement.data.subject.find((candidate) => candidate.digest[algorithm!] === hex);
  if (!subject) return { ok: false, reason: `the bundle's statement does not name digest ${expected.digest}` };
  if (subject.name !== undefined && subject.name !== expected.dockerReference) {
    return { ok: false, reason: `the bundle's statement names repository ${subject.name}, not ${expected.dockerReference}` };
  }
  return { ok: true, fingerprint };
}
