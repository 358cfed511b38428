import { randomBytes, scryptSync } from "node:crypto";
import { decodeStrictBase64 } from "./strict-base64.js";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";

/**
 * cosign's encrypted private key: PEM type `ENCRYPTED SIGSTORE PRIVATE KEY` (older keys:
 * `ENCRYPTED COSIGN PRIVATE KEY`) around the JSON envelope of go-securesystemslib's `encrypted`
 * package, which seals the PKCS#8 DER key with NaCl secretbox under a scrypt-derived key:
 *
 *   {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<base64 32 bytes>"},
 *    "cipher":{"name":"nacl/secretbox","nonce":"<base64 24 bytes>"},"ciphertext":"<base64>"}
 *
 * (Go's encoding/json: that field order, no whitespace, []byte as standard padded base64.)
 */
export const SIGSTORE_ENCRYPTED_KEY_PEM_TYPE = "ENCRYPTED SIGSTORE PRIVATE KEY";
export const COSIGN_ENCRYPTED_KEY_PEM_TYPE = "ENCRYPTED COSIGN PRIVATE KEY";

const SALT_BYTES = 32;
const NONCE_BYTES = 24;
const KEY_BYTES = 32;

/** The scrypt parameter sets go-securesystemslib accepts (legacy, standard, OWASP); standard is what cosign writes. */
const ACCEPTED_SCRYPT_PARAMS = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
] as const;
const WRITTEN_SCRYPT_PARAMS = ACCEPTED_SCRYPT_PARAMS[1];

type ScryptParams = (typeof ACCEPTED_SCRYPT_PARAMS)[number];

/** A wrong passphrase or a damaged key: the secretbox does not open. */
export class WrongPassphraseError extends Error {
  constructor() {
    super("the passphrase does not open this key (wrong COSIGN_PASSWORD, or the key file is damaged)");
    this.name = "WrongPassphraseError";
  }
}

function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Uint8Array {
  // 128·N·r bytes of memory: 64 MiB for the standard set, 128 MiB for OWASP's; Node's default cap is 32 MiB.
  return scryptSync(Buffer.from(passphrase, "utf8"), salt, KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem: 256 * 1024 * 1024 });
}

/** Seals PKCS#8 DER key bytes into cosign's JSON envelope. */
export function encryptPrivateKey(pkcs8Der: Uint8Array, passphrase: string): Uint8Array {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const params = WRITTEN_SCRYPT_PARAMS;
  const ciphertext = xsalsa20poly1305(deriveKey(passphrase, salt, params), nonce).encrypt(pkcs8Der);
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  const envelope =
    `{"kdf":{"name":"scrypt","params":{"N":${params.N},"r":${params.r},"p":${params.p}},"salt":"${b64(salt)}"},` +
    `"cipher":{"name":"nacl/secretbox","nonce":"${b64(nonce)}"},"ciphertext":"${b64(ciphertext)}"}`;
  return new TextEncoder().encode(envelope);
}

/** Opens cosign's JSON envelope; returns the PKCS#8 DER key bytes. Throws with the reason otherwise. */
export function decryptPrivateKey(envelopeBytes: Uint8Array, passphrase: string): Uint8Array {
  let envelope: {
    kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown };
    cipher?: { name?: unknown; nonce?: unknown };
    ciphertext?: unknown;
  };
  try {
    envelope = JSON.parse(new TextDecoder().decode(envelopeBytes));
  } catch {
    throw new Error("the encrypted key is not cosign's JSON envelope");
  }
  if (envelope?.kdf?.name !== "scrypt") throw new Error(`unknown key derivation "${String(envelope?.kdf?.name)}" (expected scrypt)`);
  if (envelope.cipher?.name !== "nacl/secretbox") throw new Error(`unknown cipher "${String(envelope.cipher?.name)}" (expected nacl/secretbox)`);
  const { N, r, p } = envelope.kdf.params ?? {};
  // Like go-securesystemslib, accept only the known parameter sets: a hostile file must not make scrypt eat the machine.
  const params = ACCEPTED_SCRYPT_PARAMS.find((known) => known.N === N && known.r === r && known.p === p);
  if (!params) throw new Error(`unsupported scrypt parameters N=${String(N)} r=${String(r)} p=${String(p)}`);
  const bytes = (value: unknown, what: string, length?: number): Uint8Array => {
    const decoded = typeof value === "string" ? decodeStrictBase64(value) : undefined;
    // Go's encoding/json decodes []byte with the strict standard decoder: canonical and padded.
    if (!decoded) throw new Error(`${what} is not canonical padded standard base64`);
    if (length !== undefined && decoded.length !== length) throw new Error(`${what} is ${decoded.length} bytes, expected ${length}`);
    return decoded;
  };
  const salt = bytes(envelope.kdf.salt, "kdf.salt");
  const nonce = bytes(envelope.cipher.nonce, "cipher.nonce", NONCE_BYTES);
  const ciphertext = bytes(envelope.ciphertext, "ciphertext");
  try {
    return xsalsa20poly1305(deriveKey(passphrase, salt, params), nonce).decrypt(ciphertext);
  } catch {
    throw new WrongPassphraseError();
  }
}
