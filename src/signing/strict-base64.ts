/**
 * Standard base64 decoded as Go's encoding/base64 StdEncoding.Strict() does (what cosign and
 * sigstore-go read signatures, bundles and key files with): the standard alphabet, padding
 * required, no whitespace, and the unused bits of the last character zero, so that every byte
 * string has exactly one accepted text. Node's Buffer.from(…, "base64") accepts anything.
 */
const SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes, or undefined when `text` is not canonical padded standard base64. */
export function decodeStrictBase64(text: string): Uint8Array | undefined {
  if (!SHAPE.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  // Non-zero padding bits (e.g. "QR==" for "A"): a second spelling of the same bytes.
  return bytes.toString("base64") === text ? new Uint8Array(bytes) : undefined;
}
