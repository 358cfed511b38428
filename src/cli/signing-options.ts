/**
 * The signing flags' help and the statement TTL: what a command's usage needs without loading keys.
 * Keys themselves are read by ./key-files.ts.
 */
import { UsageError } from "../errors.js";

export const IDENTITY_HELP = `  --identity HOST[:PORT]/NAMESPACE   the registry namespace signatures name (cosign's docker-reference);
                                     default: the --registry itself, or for --oci-layout the bare repository
                                     name; give the vendor's namespace when using a layout or a mirror`;

export const SIGNATURE_FORMAT_HELP = `  --signature-format F               both (default), classic (cosign's sha256-<hex>.sig image, the only format
                                     Flux < 2.8 reads) or bundle (a sigstore bundle attached as an OCI 1.1
                                     referrer, what cosign v3 and Flux >= 2.8 read first)`;

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
