/**
 * The import of one archive: verify everything (src/airgap/read-archive.ts), the release and its
 * signatures as a pull would, and only then write to the registry (import-archive.ts).
 */
import { stat } from "node:fs/promises";
import type { TrustedKey } from "../signing/verify-artifact.js";
import { readStatement } from "../distribution/channel-statements.js";
import { verifyChannelStatement } from "../distribution/channel-trust.js";
import { resolveRelease } from "../distribution/resolve-release.js";
import { verifyReleaseSignatures } from "../distribution/release-signatures.js";
import type { ReleaseStore } from "../distribution/release-store.js";
import { UsageError, UserError } from "../errors.js";
import { CHANNELS_REPOSITORY, CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import type { Deadline } from "../oci/deadline.js";
import { RegistryClient } from "../oci/registry-client.js";
import { parseRegistryTarget } from "../oci/registry-reference.js";
import { ArchiveRepository } from "./archive-repository.js";
import { importArchive, registryTarget, type ImportReport } from "./import-archive.js";
import { importIntoLayout } from "./import-layout.js";
import { STATEMENT_HISTORY_TAG, verifyArchive, type ArchiveEntry, type VerifiedArchive } from "./read-archive.js";
import type { Descriptor } from "../oci/types.js";
import { ANNOTATION_IDENTITY } from "./vocabulary.js";
import { KIT_NAME } from "../../schemas/names.js";

export interface ImportReleaseOptions {
  readonly file: string;
  /** The destination: a registry namespace (`HOST[:PORT][/NAMESPACE]`) or one OCI image layout directory. */
  readonly registry?: string;
  readonly layout?: string;
  readonly plainHttp: boolean;
  readonly keys: readonly TrustedKey[];
  readonly identity?: string;
  readonly channel?: string;
  readonly layerCeiling: number;
  readonly deadline?: Deadline;
  readonly progress?: (line: string) => void;
  readonly terminal?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The clock a channel statement's expiry is checked against. */
  readonly now?: () => number;
}

/** The archive's statement for `channel`: the highest sequence it carries, if any. */
function statementFor(archive: VerifiedArchive, channel: string): ArchiveEntry | undefined {
  let best: { entry: ArchiveEntry; sequence: number } | undefined;
  for (const entry of archive.entries) {
    if (entry.role !== "statement") continue;
    const match = STATEMENT_HISTORY_TAG.exec(entry.reference.slice(entry.reference.lastIndexOf(":") + 1));
    if (!match || match[2] !== channel) continue;
    const sequence = Number(match[1]);
    if (best === undefined || sequence > best.sequence) best = { entry, sequence };
  }
  return best?.entry;
}

const BLOB_REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

export async function importRelease(options: ImportReleaseOptions): Promise<ImportReport & { readonly release?: string; readonly verified: boolean }> {
  if ((options.registry === undefined) === (options.layout === undefined)) throw new UsageError("import into one destination: --registry HOST[:PORT][/NAMESPACE] or --oci-layout DIR");
  let target;
  try {
    target = options.registry !== undefined ? parseRegistryTarget(options.registry) : undefined;
  } catch (error) {
    throw new UsageError(`--registry: ${(error as Error).message}`);
  }
  const progress = options.progress ?? (() => {});
  const info = await stat(options.file).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new UserError(`${options.file}: no such archive file; give the path of an archive written by npm run airgap -- export`);
  progress(`verifying ${options.file}`);
  const archive = await verifyArchive(options.file, { layerCeiling: options.layerCeiling, progress, terminal: options.terminal ?? false });
  const hasRelease = archive.entries.some((entry) => entry.role === "release");
  if (options.keys.length > 0 && !hasRelease) throw new UserError(`${options.file}: --verify-key given, but the archive holds no release artifact to verify`);
  const channel = options.channel;
  if (channel !== undefined && !hasRelease) throw new UserError(`${options.file}: --channel ${channel} given, but the archive holds no release artifact to point it at; nothing was imported`);
  const statement = channel !== undefined ? statementFor(archive, channel) : undefined;
  if (channel !== undefined && statement === undefined) {
    throw new UserError(
      `${options.file}: the archive carries no signed statement for channel ${channel}, so pull --channel ${channel} --verify-key would refuse the imported registry; ` +
        `export it again with npm run airgap -- export --channel ${channel} (the channel must point at release ${archive.release ?? "of the archive"}); nothing was imported`,
    );
  }
  let verified = false;
  if (hasRelease) {
    if (archive.release === undefined) throw new UserError(`${options.file}: the archive does not say which release it holds`);
    const releaseEntry = archive.entries.find((entry) => entry.role === "release")!;
    // The channel as it will be once imported: its tag on the archive's release, its statement the archive's.
    const pendingRelease = new Map<string, Descriptor>(channel !== undefined ? [[channel, releaseEntry.descriptor]] : []);
    const pendingStatement = new Map<string, Descriptor>(channel !== undefined && statement ? [[channel, statement.descriptor]] : []);
    const store: ReleaseStore = {
      location: `oci-archive:${options.file}`,
      config: new ArchiveRepository(archive, CONFIG_REPOSITORY),
      release: new ArchiveRepository(archive, RELEASE_REPOSITORY, pendingRelease),
      statements: new ArchiveRepository(archive, CHANNELS_REPOSITORY, pendingStatement),
      insecure: false,
      blobConcurrency: 1,
      check: async () => {},
    };
    // The release manifest is validated, and its bundle checked against it, as pull does.
    const release = await resolveRelease(store, archive.release);
    if (options.keys.length > 0) {
      await verifyReleaseSignatures(store, release, options.keys, options.identity ?? archive.annotations[ANNOTATION_IDENTITY]);
      verified = true;
    }
    if (channel !== undefined) {
      const refused = (message: string) => new UserError(`${options.file}: the archive's statement for channel ${channel} is refused: ${message}; nothing was imported`);
      if (options.keys.length > 0) {
        // The statement as pull checks it (signature, channel, expiry, release digest), with no earlier state: the registry is new to it.
        await verifyChannelStatement(store, channel, {
          keys: options.keys,
          ...(options.identity ?? archive.annotations[ANNOTATION_IDENTITY] ? { identity: (options.identity ?? archive.annotations[ANNOTATION_IDENTITY])! } : {}),
          now: (options.now ?? Date.now)(),
          state: { schemaVersion: 1, channels: {} },
          stateFile: "(none)",
        }).catch((error: unknown) => {
          throw error instanceof UserError ? refused(error.message) : error;
        });
      } else {
        const stored = (await readStatement(store.statements, channel))!;
        if (stored.statement.channel !== channel || stored.statement.release.digest !== releaseEntry.descriptor.digest) {
          throw refused(`it points ${stored.statement.channel} at ${stored.statement.release.version} (${stored.statement.release.digest}), not at the archive's release ${archive.release} (${releaseEntry.descriptor.digest})`);
        }
      }
    }
  }
  const importOptions = {
    ...(channel !== undefined && statement ? { channel, statement } : {}),
    progress,
    terminal: options.terminal ?? false,
  };
  if (target === undefined) {
    const report = await importIntoLayout(archive, options.layout!, { ...importOptions, ...(options.deadline ? { deadline: options.deadline } : {}) });
    return { ...report, ...(archive.release ? { release: archive.release } : {}), verified };
  }
  const client = new RegistryClient({
    registry: target.registry,
    plainHttp: options.plainHttp,
    userAgent: KIT_NAME,
    timeoutMs: BLOB_REQUEST_TIMEOUT_MS,
    ...(options.deadline ? { deadline: options.deadline } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  await client.ping();
  const report = await importArchive(archive, registryTarget(client, target.namespace), importOptions);
  return { ...report, ...(archive.release ? { release: archive.release } : {}), verified };
}
