import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decryptPrivateKey, encryptPrivateKey } from "../../src/signing/encrypted-private-key.js";
import {
  encryptedPrivateKeyPem,
  generateSigningKey,
  parseSigningKey,
  parseVerificationKey,
  publicKeyPem,
} from "../../src/signing/signing-keys.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const passphrase = (value: string) => async () => value;

/** The PEM body of cosign's encrypted key, decoded: the JSON envelope. */
function envelopeOf(pem: string): { text: string; json: any } {
  const body = pem.split("\n").filter((line) => line && !line.startsWith("-----")).join("");
  const text = Buffer.from(body, "base64").toString("utf8");
  return { text, json: JSON.parse(text) };
}

describe("cosign's encrypted private key format", () => {
  it("reads the key cosign's own tests ship (ENCRYPTED SIGSTORE PRIVATE KEY, passphrase hello)", async () => {
    const pem = readFileSync(join(FIXTURES, "cosign-upstream-sigstore.key"), "utf8");
    const key = await parseSigningKey(pem, "cosign-upstream-sigstore.key", passphrase("hello"));
    expect(key.privateKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    // The decrypted key really is the pair of its public key: a signature made with it verifies.
    const signature = nodeSign("sha256", Buffer.from("x"), key.privateKey);
    expect(nodeVerify("sha256", Buffer.from("x"), key.publicKey, signature)).toBe(true);
    await expect(parseSigningKey(pem, "cosign-upstream-sigstore.key", passphrase("wrong"))).rejects.toThrow(/cosign-upstream-sigstore\.key: the passphrase does not open this key/);
  });

  it("writes the envelope cosign writes: field order, scrypt N=65536 r=8 p=1, 32-byte salt, 24-byte nonce, standard base64", async () => {
    const key = generateSigningKey();
    const pem = encryptedPrivateKeyPem(key, "s3cret");
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n$/);
    const { text, json } = envelopeOf(pem);
    expect(Object.keys(json)).toEqual(["kdf", "cipher", "ciphertext"]);
    expect(json.kdf).toEqual({ name: "scrypt", params: { N: 65536, r: 8, p: 1 }, salt: expect.any(String) });
    expect(json.cipher).toEqual({ name: "nacl/secretbox", nonce: expect.any(String) });
    expect(text).toMatch(/^\{"kdf":\{"name":"scrypt","params":\{"N":65536,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]+={0,2}"\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]+={0,2}"\},"ciphertext":"[A-Za-z0-9+/]+={0,2}"\}$/);
    expect(Buffer.from(json.kdf.salt, "base64")).toHaveLength(32);
    expect(Buffer.from(json.cipher.nonce, "base64")).toHaveLength(24);
    // secretbox: 16-byte Poly1305 tag, then the PKCS#8 DER of the key.
    const pkcs8 = key.privateKey.export({ type: "pkcs8", format: "der" });
    expect(Buffer.from(json.ciphertext, "base64")).toHaveLength(pkcs8.length + 16);

    const back = await parseSigningKey(pem, "cosign.key", passphrase("s3cret"));
    expect(back.fingerprint).toBe(key.fingerprint);
    await expect(parseSigningKey(pem, "cosign.key", passphrase("S3cret"))).rejects.toThrow(/cosign\.key: the passphrase does not open this key/);
  });

  it("refuses unknown scrypt parameters before running scrypt, and a damaged ciphertext", () => {
    const sealed = JSON.parse(Buffer.from(encryptPrivateKey(new Uint8Array([1, 2, 3]), "p")).toString());
    const withN = (N: number) => new TextEncoder().encode(JSON.stringify({ ...sealed, kdf: { ...sealed.kdf, params: { N, r: 8, p: 1 } } }));
    expect(() => decryptPrivateKey(withN(1 << 24), "p")).toThrow(/unsupported scrypt parameters N=16777216/);
    expect(decryptPrivateKey(withN(65536), "p")).toEqual(new Uint8Array([1, 2, 3]));
    const ciphertext = Buffer.from(sealed.ciphertext, "base64");
    ciphertext[ciphertext.length - 1]! ^= 1;
    expect(() => decryptPrivateKey(new TextEncoder().encode(JSON.stringify({ ...sealed, ciphertext: ciphertext.toString("base64") })), "p")).toThrow(/passphrase does not open/);
    expect(() => decryptPrivateKey(new TextEncoder().encode(JSON.stringify({ ...sealed, cipher: { name: "aes" } })), "p")).toThrow(/unknown cipher "aes"/);
  });

  it("also reads unencrypted PKCS#8 and SEC1 PEM keys", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const sec1 = privateKey.export({ type: "sec1", format: "pem" }) as string;
    const never = async (): Promise<string> => {
      throw new Error("an unencrypted key must not ask for a passphrase");
    };
    const a = await parseSigningKey(pkcs8, "a.pem", never);
    const b = await parseSigningKey(sec1, "b.pem", never);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it("refuses other curves and key types, naming the file", async () => {
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    await expect(parseSigningKey(p384, "p384.pem", passphrase(""))).rejects.toThrow(/p384\.pem is a EC secp384r1 key; the kit signs and verifies with ECDSA P-256/);
    const ed = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }) as string;
    expect(() => parseVerificationKey(ed, "ed.pub")).toThrow(/ed\.pub is a ed25519 key/);
  });

  it("a verifier takes only PUBLIC KEY PEM, and writes it back byte for byte", () => {
    const key = generateSigningKey();
    const pem = publicKeyPem(key.publicKey);
    expect(pem).toBe(key.publicKey.export({ type: "spki", format: "pem" }));
    const parsed = parseVerificationKey(pem, "cosign.pub");
    expect(parsed).toMatchObject({ pem, fingerprint: key.fingerprint });
    expect(() => parseVerificationKey(encryptedPrivateKeyPem(key, "x"), "cosign.key")).toThrow(/cosign\.key: expected a PUBLIC KEY PEM.*never hand a private key to a verifier/);
    expect(() => parseVerificationKey("hello", "junk.pub")).toThrow(/junk\.pub is not a PEM file/);
  });
});
