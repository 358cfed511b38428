import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from "node:crypto";
import {
  COSIGN_ENCRYPTED_KEY_PEM_TYPE,
  decryptPrivateKey,
  encryptPrivateKey,
  SIGSTORE_ENCRYPTED_KEY_PEM_TYPE,
} from "./encrypted-private-key.js";
import { UserError } from "../errors.js";

/** A signing key: ECDSA P-256, the curve cosign generates and Flux's key verification expects by default. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** `sha256:<hex>` of the public key's DER (SubjectPublicKeyInfo): how messages name a key, never the key itself. */
  readonly fingerprint: string;
}

/** A key that verifies: its PEM (what goes into Flux's Secret) and its fingerprint. */
export interface VerificationKey {
  readonly publicKey: KeyObject;
  /** `-----BEGIN PUBLIC KEY-----` PEM (PKIX), as cosign writes cosign.pub. */
  readonly pem: string;
  readonly fingerprint: string;
}

/** The key is unreadable, of the wrong kind, or locked: the message says which and what to do. */
export class SigningKeyError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "SigningKeyError";
  }
}

function publicKeyFingerprint(publicKey: KeyObject): string {
  return `sha256:${createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex")}`;
}

function assertP256(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    const kind = key.asymmetricKeyType === "ec" ? `EC ${key.asymmetricKeyDetails?.namedCurve ?? "?"}` : String(key.asymmetricKeyType);
    throw new SigningKeyError(`${what} is a ${kind} key; the kit signs and verifies with ECDSA P-256 keys (npm run keygen, or cosign generate-key-pair)`);
  }
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey, fingerprint: publicKeyFingerprint(publicKey) };
}

/** Splits PEM text into its first block's type and base64-decoded body. */
function readPemBlock(text: string, what: string): { type: string; body: Buffer } {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!match) throw new SigningKeyError(`${what} is not a PEM file (expected a -----BEGIN … KEY----- block)`);
  const body = match[2]!.replace(/\s+/g, "");
  // Go's encoding/pem decodes with the standard padded alphabet: anything else is not a key file.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body)) throw new SigningKeyError(`${what}: the ${match[1]} block is not padded standard base64`);
  return { type: match[1]!, body: Buffer.from(body, "base64") };
}

/** PEM with 64-character lines, as Go's encoding/pem writes it. */
function pemBlock(type: string, body: Uint8Array): string {
  const lines = Buffer.from(body).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}

/**
 * Reads a private key PEM: cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` / `ENCRYPTED COSIGN PRIVATE KEY`
 * (opened with `passphrase()`), or an unencrypted PKCS#8 `PRIVATE KEY` / SEC1 `EC PRIVATE KEY`.
 * `what` names the file in messages.
 */
export async function parseSigningKey(pemText: string, what: string, passphrase: () => Promise<string>): Promise<SigningKey> {
  const block = readPemBlock(pemText, what);
  let privateKey: KeyObject;
  if (block.type === SIGSTORE_ENCRYPTED_KEY_PEM_TYPE || block.type === COSIGN_ENCRYPTED_KEY_PEM_TYPE) {
    let der: Uint8Array;
    try {
      der = decryptPrivateKey(block.body, await passphrase());
    } catch (error) {
      throw new SigningKeyError(`${what}: ${(error as Error).message}`);
    }
    try {
      privateKey = createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
    } catch {
      throw new SigningKeyError(`${what}: the decrypted key is not PKCS#8`);
    }
  } else if (block.type === "PRIVATE KEY" || block.type === "EC PRIVATE KEY") {
    try {
      privateKey = createPrivateKey({ key: pemText, format: "pem" });
    } catch (error) {
      throw new SigningKeyError(`${what}: not a readable private key (${(error as Error).message})`);
    }
  } else if (block.type === "PUBLIC KEY") {
    throw new SigningKeyError(`${what} is a public key; signing needs the private key (cosign.key)`);
  } else {
    throw new SigningKeyError(`${what}: unsupported PEM type "${block.type}" (expected ${SIGSTORE_ENCRYPTED_KEY_PEM_TYPE} or PRIVATE KEY)`);
  }
  assertP256(privateKey, what);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: publicKeyFingerprint(publicKey) };
}

/** Reads a `PUBLIC KEY` PEM (cosign.pub). A private key is refused: a verifier must never hold one. */
export function parseVerificationKey(pemText: string, what: string): VerificationKey {
  const block = readPemBlock(pemText, what);
  if (block.type !== "PUBLIC KEY") {
    throw new SigningKeyError(`${what}: expected a PUBLIC KEY PEM (cosign.pub), found "${block.type}"${block.type.includes("PRIVATE") ? "; never hand a private key to a verifier" : ""}`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: block.body, format: "der", type: "spki" });
  } catch (error) {
    throw new SigningKeyError(`${what}: not a readable public key (${(error as Error).message})`);
  }
  assertP256(publicKey, what);
  return { publicKey, pem: publicKeyPem(publicKey), fingerprint: publicKeyFingerprint(publicKey) };
}

/** The `PUBLIC KEY` PEM of a key, as cosign writes cosign.pub. */
export function publicKeyPem(publicKey: KeyObject): string {
  return pemBlock("PUBLIC KEY", publicKey.export({ type: "spki", format: "der" }));
}

/** The private key in cosign's encrypted format (`ENCRYPTED SIGSTORE PRIVATE KEY`). */
export function encryptedPrivateKeyPem(key: SigningKey, passphrase: string): string {
  const pkcs8 = key.privateKey.export({ type: "pkcs8", format: "der" });
  return pemBlock(SIGSTORE_ENCRYPTED_KEY_PEM_TYPE, encryptPrivateKey(pkcs8, passphrase));
}
