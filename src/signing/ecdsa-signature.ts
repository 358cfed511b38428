import { sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";

/** ECDSA over SHA-256 of `payload`, ASN.1 DER encoded: what cosign's annotation carries (base64). */
export function signPayload(privateKey: KeyObject, payload: Uint8Array): Uint8Array {
  return sign("sha256", payload, { key: privateKey, dsaEncoding: "der" });
}

export function verifyPayload(publicKey: KeyObject, payload: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify("sha256", payload, { key: publicKey, dsaEncoding: "der" }, signature);
  } catch {
    // Malformed DER is simply not a valid signature.
    return false;
  }
}
