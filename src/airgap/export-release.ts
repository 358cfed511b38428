/**
 * The export of one release: the lock and the release store say what goes in, the registries
 * (or a mirror layout) provide the bytes, and export-archive.ts writes them.
 */
import { readStatement } from "../distribution/channel-statements.js";
import { resolveRelease } from "../distribution/resolve-release.js";
import { ReferenceRegistries } from "../distribution/reference-registries.js";
import { openReleaseStore, type StoreOptions } from "../distribution/release-store.js";
import { UserError } from "../errors.js";
import { parseRegistryTarget } from "../oci/registry-reference.js";
import { readReleaseLock } from "../release/load-lock.js";
import { resolveReleaseFile } from "../release/release-files.js";
import { formatReference, normalizedName, parseArchiveReference } from "./archive-reference.js";
import { archiveBlobs, writeArchiveLayout, writeArchiveTar, type ArchiveWriteResult } from "./export-archive.js";
import { PlanBuilder, type ArchivePlan } from "./export-plan.js";
import { formatBytes } from "../progress.js";
import { MirrorLayout, registrySource, storeSource, type ArtifactSource } from "./sources.js";
import { ANNOTATION_IDENTITY, ANNOTATION_PLATFORMS, ANNOTATION_RELEASE, ANNOTATION_SINCE } from "./vocabulary.js";

export interface ExportReleaseOptions {
  readonly releasesDir: string;
  readonly version: string;
  readonly store: StoreOptions;
  readonly out?: string;
  readonly layoutOut?: string;
  readonly platforms: readonly string[];
  readonly layerCeiling: number;
  readonly mirror?: string;
  /** Make a delta: leave out every blob the archive of this earlier release holds. */
  readonly since?: string;
  /** Carry this channel's current signed statement (it must name the exported release). */
  readonly channel?: string;
  readonly progress?: (line: string) => void;
  readonly terminal?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ExportReleaseResult extends ArchiveWriteResult {
  readonly path: string;
  readonly release: string;
  readonly platforms: readonly string[];
  readonly entries: number;
}

/** Per request attempt: a layer of several GB streams inside one request. */
const BLOB_REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

export async function exportRelease(options: ExportReleaseOptions): Promise<ExportReleaseResult> {
  const progress = options.progress ?? (() => {});
  const store = openReleaseStore(options.store);
  await store.check();
  const registries = new ReferenceRegistries({
    timeoutMs: BLOB_REQUEST_TIMEOUT_MS,
    ...(options.store.deadline ? { deadline: options.store.deadline } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const mirror = options.mirror ? new MirrorLayout(options.mirror) : undefined;
  const sourceFor = (host: string, repository: string): ArtifactSource =>
    mirror ? mirror.source(normalizedName(host, repository)) : registrySource(registries, host, repository);
  // Blobs a delta keeps whatever its base holds: a statement's, which the base archive carried to another repository, if at all.
  const kept = new Set<string>();
  const planOf = async (version: string, channel?: string): Promise<ArchivePlan> => {
    const file = resolveReleaseFile(options.releasesDir, version);
    const lock = readReleaseLock(file, version);
    if (lock === undefined) throw new UserError(`${file}: the release has no lock file; run npm run lock -- --release ${version} first (the archive holds what the lock pins)`);
    progress(`reading release ${version} from ${store.location}`);
    const release = await resolveRelease(store, version);
    const builder = new PlanBuilder({ platforms: options.platforms, layerCeiling: options.layerCeiling });
    await builder.addRelease(release, version, { release: storeSource(store.release), config: storeSource(store.config) });
    if (channel !== undefined) {
      const where = `${store.statements.location}:${channel}`;
      const stored = await readStatement(store.statements, channel);
      if (stored === undefined) {
        throw new UserError(`${where}: no channel statement for ${channel}; publish --channel ${channel} or promote (with --sign-key) writes one, then export again`);
      }
      const digest = release.artifact.descriptor.digest;
      if (stored.statement.channel !== channel || stored.statement.release.digest !== digest) {
        throw new UserError(
          `${where}: the current statement #${stored.statement.sequence} points ${stored.statement.channel} at ${stored.statement.release.version} (${stored.statement.release.digest}), ` +
            `not at the exported release ${version} (${digest}); export the release the channel names, or promote ${version} to ${channel} first`,
        );
      }
      progress(`carrying statement #${stored.statement.sequence} of channel ${channel}`);
      await builder.addStatement(stored, storeSource(store.statements));
      const own = new PlanBuilder({ platforms: options.platforms, layerCeiling: options.layerCeiling });
      await own.addStatement(stored, storeSource(store.statements));
      for (const digest of own.blobs.keys()) kept.add(digest);
    }
    for (const [kind, locked] of [...lock.lock.images.map((entry) => ["image", entry] as const), ...lock.lock.charts.map((entry) => ["chart", entry] as const)]) {
      const text = locked.reference.replace(/^oci:\/\//, "");
      const parsed = parseArchiveReference(text);
      if (parsed.host === undefined) throw new UserError(`${lock.file}: "${locked.reference}" names no registry host`);
      const name = normalizedName(parsed.host, parsed.repository);
      progress(`planning ${name}@${locked.digest}`);
      const source = sourceFor(parsed.host, parsed.repository);
      const descriptor = await builder.addManifest(source, locked.digest, `${locked.reference} (${lock.file})`);
      if (parsed.tag !== undefined) builder.name(formatReference(name, { tag: parsed.tag }), descriptor, kind);
      // Pods ask for repo:tag@sha256:…, which containerd's CRI looks up as repo@sha256:….
      if (kind === "image") builder.name(formatReference(name, { digest: locked.digest }), descriptor, kind);
      await builder.addSignatures(source, name, descriptor.digest);
    }
    return builder.plan();
  };
  const plan = await planOf(options.version, options.channel);
  // A delta leaves out every blob the base release's archive (same platforms) holds: only manifests are read for it.
  const omit = options.since !== undefined ? new Set([...(await planOf(options.since)).blobs.keys()].filter((digest) => !kept.has(digest))) : undefined;
  const identity = options.store.registry ? parseRegistryTarget(options.store.registry) : undefined;
  const annotations: Record<string, string> = {
    [ANNOTATION_RELEASE]: options.version,
    [ANNOTATION_PLATFORMS]: options.platforms.join(","),
    ...(options.since !== undefined ? { [ANNOTATION_SINCE]: options.since } : {}),
    ...(identity ? { [ANNOTATION_IDENTITY]: `${identity.registry}${identity.namespace ? `/${identity.namespace}` : ""}` } : {}),
  };
  const blobs = archiveBlobs(plan, omit);
  const total = blobs.reduce((sum, blob) => sum + blob.descriptor.size, 0);
  progress(`release ${options.version}: ${plan.entries.length} reference(s), ${blobs.length} blob(s), ${formatBytes(total)} (${total} bytes) to write`);
  const write = { annotations, progress, terminal: options.terminal ?? false, ...(omit ? { omit } : {}) };
  const result = options.out ? await writeArchiveTar(plan, options.out, write) : await writeArchiveLayout(plan, options.layoutOut!, write);
  return { ...result, path: (options.out ?? options.layoutOut)!, release: options.version, platforms: options.platforms, entries: plan.entries.length };
}
