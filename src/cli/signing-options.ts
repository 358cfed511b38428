import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, UserError } from "../errors.js";
import { parseSigningKey, parseVerificationKey, type SigningKey, type VerificationKey } from "../signing/signing-keys.js";
import { readPassphrase } from "./passphrase.js";

export const IDENTITY_HELP = `  --identity HOST[:PORT]/NAMESPACE   the registry namespace signatures name (cosign's docker-reference);
                                     default: the --registry itself, or for --oci-layout the bare repository
                                     name; give the vendor's namespace when using a layout or a mirror`;

export const SIGNATURE_FORMAT_HELP = `  --signature-format F               both (default), classic (cosign's sha256-<hex>.sig image, the only format
                                     Flux < 2.8 reads) or bundle (a sigstore bundle attached as an OCI 1.1
                                     referrer, what cosign v3 and Flux >= 2.8 read first)`;

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

export const STATEMENT_HELP = `  --rollback                         the channel moves to a lower version on purpose: its signed statement says
                                     rollback: true, which appliances accept (without it such a move is refused)
  --statement-ttl DURATION           how long the channel statement holds, e.g. 720h (default 720h = 30 days);
                                     appliances refuse it afterwards, so promote again before then. ARK_NOW
                                     (RFC 3339) sets the time statements are issued at`;

/** Parses --statement-ttl: a duration, at least a minute. */
export function statementTtl(value: string | undefined, parse: (text: string) => number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parse(value);
  if (ms === undefined || ms < 60_000) throw new UsageError(`--statement-ttl "${value}": give a duration of at least a minute, e.g. 720h`);
  return ms;
}
