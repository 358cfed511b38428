import { createHash } from "node:crypto";

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** `sha256:<hex>` of the given bytes: the only algorithm this kit writes. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** Throws unless `value` is a `sha256:` digest with 64 lowercase hex characters. */
export function assertDigest(value: string, what = "digest"): string {
  if (!isDigest(value)) {
    throw new Error(`${what} "${value}" is not a sha256 digest (expected sha256: followed by 64 lowercase hex characters)`);
  }
  return value;
}

/** Raised when downloaded or stored content does not hash to the digest it was asked for. */
export class DigestMismatchError extends Error {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${what}: content digest ${actual} does not match the expected ${expected}; refusing it`);
    this.name = "DigestMismatchError";
  }
}

/** Verifies `data` against `expected` (and `expectedSize` when given) and returns it unchanged. */
export function verifyContent(data: Uint8Array, expected: string, what: string, expectedSize?: number): Uint8Array {
  if (expectedSize !== undefined && data.byteLength !== expectedSize) {
    throw new DigestMismatchError(what, `${expected} (${expectedSize} bytes)`, `${sha256Digest(data)} (${data.byteLength} bytes)`);
  }
  const actual = sha256Digest(data);
  if (actual !== expected) throw new DigestMismatchError(what, expected, actual);
  return data;
}
