import { COSIGN_SIGNATURE_TYPE } from "./cosign-format.js";

/** What a simple-signing payload claims: the repository and the manifest digest it signs. */
export interface SignedClaim {
  /** `registry/repository`, no tag, no digest (cosign's `docker-reference`). */
  readonly dockerReference: string;
  /** `sha256:<hex>` of the signed manifest. */
  readonly digest: string;
}

/**
 * The payload bytes cosign signs for an image: Go's `json.Marshal` of sigstore's
 * `SimpleContainerImage` with no optional annotations. Field order, no whitespace and no trailing
 * newline are part of the format, so it is written out by hand rather than by an object's key order.
 */
export function simpleSigningPayload(claim: SignedClaim): Uint8Array {
  const json =
    `{"critical":{"identity":{"docker-reference":${goJsonString(claim.dockerReference)}},` +
    `"image":{"docker-manifest-digest":${goJsonString(claim.digest)}},` +
    `"type":${goJsonString(COSIGN_SIGNATURE_TYPE)}},"optional":null}`;
  return new TextEncoder().encode(json);
}

/** Go's encoding/json string form: like JSON.stringify, but also escapes <, >, & and U+2028/2029. */
function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Reads a payload's claim; throws with the reason when it is not a cosign simple-signing payload. */
export function parseSimpleSigningPayload(bytes: Uint8Array): SignedClaim {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new Error("the signed payload is not JSON");
  }
  const critical = (parsed as { critical?: unknown } | null)?.critical as
    | { identity?: { "docker-reference"?: unknown }; image?: { "docker-manifest-digest"?: unknown }; type?: unknown }
    | undefined;
  if (critical?.type !== COSIGN_SIGNATURE_TYPE) throw new Error(`the signed payload is not a "${COSIGN_SIGNATURE_TYPE}"`);
  const dockerReference = critical.identity?.["docker-reference"];
  const digest = critical.image?.["docker-manifest-digest"];
  if (typeof dockerReference !== "string" || typeof digest !== "string") {
    throw new Error("the signed payload lacks critical.identity.docker-reference or critical.image.docker-manifest-digest");
  }
  return { dockerReference, digest };
}
