import { existsSync } from "node:fs";
import { chmod, link, mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError, UserError } from "../errors.js";
import { encryptedPrivateKeyPem, generateSigningKey, publicKeyPem } from "../signing/signing-keys.js";
import { readPassphrase } from "./passphrase.js";
import { runCli } from "./run.js";

const HELP = `Usage: npm run keygen -- --out DIR [--json]

Writes an ECDSA P-256 signing key pair, the kind cosign generates:
  DIR/cosign.key   the private key in cosign's encrypted format (ENCRYPTED SIGSTORE PRIVATE KEY,
                   scrypt + NaCl secretbox), sealed with the passphrase from COSIGN_PASSWORD or a prompt
  DIR/cosign.pub   the public key (PUBLIC KEY PEM): what pull --verify-key and Flux's Secret take
Both files are written with mode 0600; existing files are never overwritten. cosign itself reads
and writes the same files (cosign sign --key DIR/cosign.key). The key is never printed.

  --out DIR   where to write the two files (created if missing)
  --json      print the paths and the public key's fingerprint as JSON
  --help      show this help`;

/** Writes `content` to `file` with mode 0600 through a temporary name, refusing to replace anything. */
async function writePrivateFile(file: string, content: string): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}`;
  await writeFile(temporary, content, { mode: 0o600, flag: "wx" });
  try {
    await chmod(temporary, 0o600);
    // link(2), unlike rename(2), fails when the name exists: a key that appeared meanwhile is never replaced.
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new UserError(`${file} already exists; move it away first`);
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

await runCli(HELP, { out: { type: "string" } }, async ({ values, output }) => {
  if (!values.out) throw new UsageError(`--out DIR is required\n\n${HELP}`);
  const dir = resolve(values.out);
  const keyFile = join(dir, "cosign.key");
  const pubFile = join(dir, "cosign.pub");
  for (const file of [keyFile, pubFile]) if (existsSync(file)) throw new UserError(`${file} already exists; move it away or choose another --out`);
  const passphrase = await readPassphrase("passphrase for the new cosign.key", { confirm: true });
  output.progress("generating an ECDSA P-256 key pair");
  const key = generateSigningKey();
  await mkdir(dir, { recursive: true });
  await writePrivateFile(keyFile, encryptedPrivateKeyPem(key, passphrase));
  try {
    await writePrivateFile(pubFile, publicKeyPem(key.publicKey));
  } catch (error) {
    await rm(keyFile, { force: true });
    throw error;
  }
  output.done(`wrote ${keyFile} (private, encrypted) and ${pubFile}\n  public key ${key.fingerprint}`, { privateKey: keyFile, publicKey: pubFile, fingerprint: key.fingerprint });
});
