import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../errors.js";
import { parseSigningKey, parseVerificationKey, type SigningKey, type VerificationKey } from "../signing/signing-keys.js";
import { readPassphrase } from "./passphrase.js";

function readKeyFile(file: string, flag: string): string {
  try {
    return readFileSync(resolve(file), "utf8");
  } catch (error) {
    throw new UserError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Loads the private key named by `--sign-key`/`--key` (or SIGNING_KEY_FILE); the passphrase from COSIGN_PASSWORD or a prompt. */
export async function loadSigningKey(file: string, flag: string): Promise<SigningKey> {
  return parseSigningKey(readKeyFile(file, flag), file, () => readPassphrase(`passphrase for ${file}`));
}

/** Loads every `--verify-key`/`--key` public key; any of them may match. */
export function loadVerificationKeys(files: readonly string[], flag: string): VerificationKey[] {
  return files.map((file) => parseVerificationKey(readKeyFile(file, flag), file));
}
