/**
 * Signed channel statements (schemas/channel-statement.ts): written by every channel move
 * (publish --channel, promote) into the repository alga-appliance-channels, read by pull and
 * channels. Tags there: `<channel>` is the current statement, `<sequence>-<channel>` keeps each one
 * (history, and safe from a registry's garbage collection). Channel names start with a letter, so
 * the two kinds of tag never collide.
 */
import { CHANNEL_STATEMENT_ARTIFACT_TYPE, CHANNEL_STATEMENT_MEDIA_TYPE, ChannelStatement } from "../../schemas/channel-statement.js";
import { UserError } from "../errors.js";
import { ANNOTATION_CREATED } from "../oci/annotations.js";
import { buildArtifact } from "../oci/build-artifact.js";
import { parseImageManifest } from "../oci/image-manifest.js";
import { assertWithinCeiling } from "../oci/limits.js";
import { OCI_EMPTY_JSON } from "../oci/media-types.js";
import { TagConflictError } from "../oci/tag-conflict-error.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import { utcSeconds } from "./clock.js";
import type { ArtifactSignature, ArtifactSigner } from "./release-signatures.js";
import type { ReleaseStore } from "./release-store.js";
import { assertTagHolds } from "./tag-read-back.js";
import { compareVersions } from "./version-order.js";

/** A statement is a few hundred bytes; anything near this is not one. */
const MAX_STATEMENT_BYTES = 64 * 1024;
/** Longest tag the OCI distribution spec allows. */
const MAX_TAG_LENGTH = 128;
/** How long a statement holds when the command does not say: appliances refuse it afterwards. */
const DEFAULT_STATEMENT_TTL_MS = 30 * 24 * 3_600_000;

/** The tag keeping statement `sequence` of `channel`. */
export function historyTag(channel: string, sequence: number): string {
  return `${sequence}-${channel}`;
}

/** A statement as read from the store: parsed and checked against the schema, not yet verified. */
export interface StoredStatement {
  readonly descriptor: Descriptor;
  readonly statement: ChannelStatement;
}

/** Reads the statement a tag or digest of the statements repository holds; undefined when the tag does not exist. Throws UserError for anything that is not a statement. */
export async function readStatement(repository: ContentRepository, reference: string): Promise<StoredStatement | undefined> {
  const descriptor = await repository.resolve(reference);
  if (!descriptor) return undefined;
  const where = `${repository.location}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`;
  const fetched = await repository.fetchManifest(descriptor.digest);
  const manifest = parseImageManifest(fetched.bytes, where);
  if (manifest.config.mediaType !== CHANNEL_STATEMENT_MEDIA_TYPE) {
    throw new UserError(`${where}: not a channel statement (config media type ${manifest.config.mediaType}, expected ${CHANNEL_STATEMENT_MEDIA_TYPE})`);
  }
  assertWithinCeiling(manifest.config, MAX_STATEMENT_BYTES, `${where}: channel statement`);
  const bytes = await repository.fetchBlob(manifest.config.digest, manifest.config.size);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new UserError(`${where}: the channel statement is not JSON (${(error as Error).message})`);
  }
  const parsed = ChannelStatement.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${where}: invalid channel statement: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return { descriptor: fetched.descriptor, statement: parsed.data };
}

export interface StatementPlan {
  readonly channel: string;
  /** The statement the channel has now, if any. */
  readonly current?: StoredStatement;
  readonly sequence: number;
  readonly rollback: boolean;
}

/**
 * Decides the next statement of `channel` before anything moves: its sequence (the current one's
 * plus one) and whether the move is a rollback. A move to a lower version than the current
 * statement names is refused unless `rollback` says the vendor means it.
 */
export async function planStatement(store: ReleaseStore, channel: string, version: string, rollback: boolean): Promise<StatementPlan> {
  if (historyTag(channel, Number.MAX_SAFE_INTEGER).length > MAX_TAG_LENGTH) {
    throw new UserError(`channel "${channel}" is too long to carry channel statements (tags of at most ${MAX_TAG_LENGTH} characters); use a shorter channel name`);
  }
  const current = await readStatement(store.statements, channel);
  if (current && !rollback && compareVersions(version, current.statement.release.version) < 0) {
    throw new UserError(
      `${channel} is at ${current.statement.release.version} (statement #${current.statement.sequence}); pointing it at ${version} moves it back, ` +
        `which appliances refuse unless the statement says so: pass --rollback if you mean it`,
    );
  }
  return { channel, ...(current ? { current } : {}), sequence: (current?.statement.sequence ?? 0) + 1, rollback };
}

export interface StatementOptions {
  readonly now: number;
  readonly ttlMs?: number;
  readonly signer?: ArtifactSigner;
}

export interface WrittenStatement {
  readonly reference: string;
  readonly digest: string;
  readonly statement: ChannelStatement;
  readonly signatures: readonly ArtifactSignature[];
}

/** Attempts at writing a statement while concurrent writers of the same channel take its sequence numbers. */
const STATEMENT_ATTEMPTS = 4;

/**
 * Writes a statement that `channel` points at `release`, numbered after the planned (or, when a
 * concurrent writer took that number, the then current) one: blobs and manifest by digest, its
 * signatures, the history tag, then the current tag (only if it still holds the statement read
 * before, then read back), so a statement is signed before any tag names it. Before each attempt
 * the channel tag must still hold `release`: a statement is never written for a move another
 * writer has overtaken (that fails naming the digest the channel holds now).
 */
export async function writeStatement(store: ReleaseStore, plan: StatementPlan, release: { readonly version: string; readonly digest: string }, options: StatementOptions): Promise<WrittenStatement> {
  const repository = store.statements;
  let current = plan.current;
  let sequence = plan.sequence;
  for (let attempt = 1; ; attempt++) {
    const tagged = (await store.release.resolve(plan.channel))?.digest ?? null;
    if (tagged !== release.digest) throw new TagConflictError(`${store.release.location}:${plan.channel}`, release.digest, tagged, release.digest, "after writing");
    const statement: ChannelStatement = {
      schemaVersion: 1,
      channel: plan.channel,
      release: { version: release.version, digest: release.digest },
      sequence,
      issuedAt: utcSeconds(options.now),
      expiresAt: utcSeconds(options.now + (options.ttlMs ?? DEFAULT_STATEMENT_TTL_MS)),
      rollback: plan.rollback,
    };
    const artifact = buildArtifact({
      artifactType: CHANNEL_STATEMENT_ARTIFACT_TYPE,
      config: { mediaType: CHANNEL_STATEMENT_MEDIA_TYPE, data: new TextEncoder().encode(`${JSON.stringify(statement, null, 2)}\n`) },
      layers: [{ mediaType: OCI_EMPTY_JSON, data: new TextEncoder().encode("{}") }],
      annotations: { [ANNOTATION_CREATED]: statement.issuedAt },
    });
    for (const blob of [artifact.config, ...artifact.layers]) await repository.pushBlob(blob.descriptor, blob.data);
    const digest = artifact.manifest.descriptor.digest;
    const { data, descriptor } = artifact.manifest;
    await repository.pushManifest(data, descriptor.mediaType, digest);
    const signatures = options.signer ? await options.signer("channels", repository, digest) : [];
    try {
      await repository.pushManifest(data, descriptor.mediaType, historyTag(plan.channel, sequence), { ifTagIs: null });
      await repository.pushManifest(data, descriptor.mediaType, plan.channel, { ifTagIs: current?.descriptor.digest ?? null });
      await assertTagHolds(repository, plan.channel, digest);
      return { reference: `${repository.location}:${plan.channel}`, digest, statement, signatures };
    } catch (error) {
      // Another writer of this channel took the number: go again after its statement.
      if (!(error instanceof TagConflictError) || attempt >= STATEMENT_ATTEMPTS) throw error;
      const latest = await readStatement(repository, plan.channel);
      current = latest;
      sequence = Math.max(sequence, latest?.statement.sequence ?? 0) + 1;
    }
  }
}

export interface ChannelHistoryEntry {
  readonly digest: string;
  readonly statement?: ChannelStatement;
  /** Why the entry could not be read, when it could not. */
  readonly problem?: string;
}

/** Every statement kept for each channel (history tags), newest first; unreadable ones say why. At most `limit` per channel. */
export async function channelHistory(store: ReleaseStore, limit = 20): Promise<Record<string, ChannelHistoryEntry[]>> {
  const tags = await store.statements.listTags();
  const byChannel = new Map<string, { sequence: number; tag: string }[]>();
  for (const tag of tags) {
    const match = /^(\d+)-([a-zA-Z].*)$/.exec(tag);
    if (!match) continue;
    const list = byChannel.get(match[2]!) ?? [];
    list.push({ sequence: Number(match[1]), tag });
    byChannel.set(match[2]!, list);
  }
  const history: Record<string, ChannelHistoryEntry[]> = {};
  for (const [channel, entries] of [...byChannel].sort(([a], [b]) => (a < b ? -1 : 1))) {
    history[channel] = [];
    for (const { tag } of entries.sort((a, b) => b.sequence - a.sequence).slice(0, limit)) {
      try {
        const stored = await readStatement(store.statements, tag);
        if (stored) history[channel].push({ digest: stored.descriptor.digest, statement: stored.statement });
      } catch (error) {
        history[channel].push({ digest: "", problem: `${tag}: ${(error as Error).message}` });
      }
    }
  }
  return history;
}
