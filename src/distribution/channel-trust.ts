/**
 * What `pull --channel NAME --verify-key KEY` requires of a channel before it installs anything:
 * a current statement for the channel, signed by a trusted key, not expired, naming the release
 * the channel tag points at, and not behind what this appliance accepted before (a lower sequence
 * is a replay; a lower version is a rollback, accepted only when the statement says so).
 */
import { UserError } from "../errors.js";
import type { TrustedKey } from "../signing/verify-artifact.js";
import { verifyArtifact } from "../signing/verify-artifact.js";
import type { AcceptedStatement, ChannelState } from "./channel-state.js";
import { readStatement, type StoredStatement } from "./channel-statements.js";
import { utcSeconds } from "./clock.js";
import { signatureIdentity } from "./release-signatures.js";
import type { ReleaseStore } from "./release-store.js";
import { resolveRelease } from "./resolve-release.js";
import { compareVersions } from "./version-order.js";

export interface TrustedStatement extends StoredStatement {
  /** The record to keep once the release is installed. */
  accepted(now: number): AcceptedStatement;
}

/** Refusal of a channel's statement; the message names both versions and what to do. */
export class ChannelStatementError extends UserError {
  constructor(message: string) {
    // Named as a UserError: printed as it is, without a stack.
    super(message);
  }
}

export async function verifyChannelStatement(
  store: ReleaseStore,
  channel: string,
  options: { readonly keys: readonly TrustedKey[]; readonly identity?: string; readonly now: number; readonly state: ChannelState; readonly stateFile: string },
): Promise<TrustedStatement> {
  const where = `${store.statements.location}:${channel}`;
  const stored = await readStatement(store.statements, channel);
  if (!stored) {
    // Neither a statement nor a channel tag: the name is wrong, not the registry.
    if (!(await store.release.resolve(channel))) await resolveRelease(store, channel);
    throw new ChannelStatementError(
      `${where}: no channel statement for ${channel}, so nothing says the vendor put it where it is; the vendor writes one with every publish --channel and promote (with --sign-key). Pull by --release VERSION to install without one`,
    );
  }
  const { statement } = stored;
  await verifyArtifact(store.statements, signatureIdentity(store, "channels", options.identity), stored.descriptor.digest, options.keys);
  const label = `statement #${statement.sequence} (${statement.channel} -> ${statement.release.version}, issued ${statement.issuedAt})`;
  if (statement.channel !== channel) throw new ChannelStatementError(`${where}: the signed ${label} is for channel ${statement.channel}, not ${channel}; refusing a statement moved between channels`);
  const last = options.state.channels[channel];
  const accepted = last ? `the last accepted ${last.version} (statement #${last.sequence}, issued ${last.issuedAt})` : undefined;
  if (Date.parse(statement.expiresAt) <= options.now) {
    throw new ChannelStatementError(
      `${where}: the signed ${label} expired at ${statement.expiresAt} (now ${utcSeconds(options.now)})` +
        (accepted ? `; this appliance runs ${accepted}` : "") +
        `. Either the vendor has not renewed it (they run promote again) or the registry is holding the channel still (a freeze); pull from the vendor's registry, or check the clock`,
    );
  }
  if (last && statement.sequence < last.sequence) {
    throw new ChannelStatementError(
      `${where}: the signed ${label} is older than ${accepted}: a replayed statement (the registry serves old data, or someone wrote to it). ` +
        `Pull from the vendor's registry; only if the vendor really restarted the channel, remove ${channel} from ${options.stateFile}`,
    );
  }
  if (last && statement.sequence === last.sequence && stored.descriptor.digest !== last.statementDigest) {
    throw new ChannelStatementError(`${where}: the signed ${label} has the sequence of ${accepted} but other content: two statements with one sequence; ask the vendor which is right`);
  }
  if (last && !statement.rollback && compareVersions(statement.release.version, last.version) < 0) {
    throw new ChannelStatementError(
      `${where}: the signed ${label} moves ${channel} back from ${last.version} to ${statement.release.version} without marking it a rollback; refusing the downgrade. ` +
        `If the vendor means it, they promote with --rollback; to install ${statement.release.version} here anyway, pull --release ${statement.release.version}`,
    );
  }
  const tagged = await store.release.resolve(channel);
  if (tagged?.digest !== statement.release.digest) {
    const taggedVersion = tagged ? await resolveRelease(store, tagged.digest).then((release) => release.manifest.version, () => "an unreadable release") : undefined;
    throw new ChannelStatementError(
      `${store.release.location}:${channel} points at ${tagged ? `${taggedVersion} (${tagged.digest})` : "nothing"}, but the signed ${label} says release ${statement.release.version} (${statement.release.digest}): ` +
        `the channel tag was moved without a statement (someone wrote to the registry directly), or a promote is half done; refusing. Pull again later, or from the vendor's registry`,
    );
  }
  return {
    ...stored,
    accepted: (now) => ({
      sequence: statement.sequence,
      version: statement.release.version,
      releaseDigest: statement.release.digest,
      statementDigest: stored.descriptor.digest,
      issuedAt: statement.issuedAt,
      expiresAt: statement.expiresAt,
      rollback: statement.rollback,
      acceptedAt: utcSeconds(now),
    }),
  };
}
