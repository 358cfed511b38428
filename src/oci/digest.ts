import { createHash } from "node:crypto";
import { SHA256_DIGEST_PATTERN } from "./registry-reference.js";

/** `sha256:<hex>` of the given bytes: the only algorithm this kit writes. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export function isDigest(value: string): boolean {
  return SHA256_DIGEST_PATTERN.test(value);
}

/** Throws unless `value` is a `sha256:` digest with 64 lowercase hex characters. */
export function assertDigest(value: string, what = "digest"): string {
  if (!isDigest(value)) {
    throw new Error(`${what} "${value}" is not a sha256 digest (expected sha256: followed by 64 lowercase hex characters)`);
  }
  return value;
}

/** What content was expected to be, or turned out to be: a digest, a size, or both. */
export interface ContentIdentity {
  readonly digest?: string;
  readonly size?: number;
}

/**
 * Raised when downloaded or stored content does not hash to the digest it was asked for, or does
 * not have the size it was described with. The message names both digests and both sizes, as far
 * as they are known (a size announced by a server is refused before its bytes are hashed).
 */
export class DigestMismatchError extends Error {
  /** The expected digest. */
  readonly expected: string;
  /** The digest found; empty when the content was refused before it was read. */
  readonly actual: string;

  constructor(
    readonly what: string,
    expected: string | ContentIdentity,
    actual: string | ContentIdentity,
  ) {
    const want = typeof expected === "string" ? { digest: expected } : expected;
    const got = typeof actual === "string" ? { digest: actual } : actual;
    super(`${what}: expected ${describe(want)}, got ${describe(got)}; refusing it`);
    this.name = "DigestMismatchError";
    this.expected = want.digest ?? "";
    this.actual = got.digest ?? "";
  }
}

function describe(identity: ContentIdentity): string {
  const size = identity.size !== undefined ? `${identity.size} bytes` : undefined;
  if (identity.digest !== undefined) return size ? `${identity.digest} (${size})` : identity.digest;
  return size ? `content of ${size}` : "unknown content";
}

/** Verifies `data` against `expected` (and `expectedSize` when given) and returns it unchanged. */
export function verifyContent(data: Uint8Array, expected: string, what: string, expectedSize?: number): Uint8Array {
  const actual = sha256Digest(data);
  if ((expectedSize !== undefined && data.byteLength !== expectedSize) || actual !== expected) {
    throw new DigestMismatchError(
      what,
      { digest: expected, ...(expectedSize !== undefined ? { size: expectedSize } : {}) },
      { digest: actual, size: data.byteLength },
    );
  }
  return data;
}
