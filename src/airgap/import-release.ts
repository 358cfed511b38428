/**
 * The import of one archive: verify everything (src/airgap/read-archive.ts), the release and its
 * signatures as a pull would, and only then write to the registry (import-archive.ts).
 */
import { stat } from "node:fs/promises";
import type { TrustedKey } from "../signing/verify-artifact.js";
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
import { verifyArchive } from "./read-archive.js";
import { ANNOTATION_IDENTITY } from "./vocabulary.js";
import { KIT_NAME } from "../../schemas/names.js";

export interface ImportReleaseOptions {
  readonly file: string;
  readonly registry: string;
  readonly plainHttp: boolean;
  readonly keys: readonly TrustedKey[];
  readonly identity?: string;
  readonly channel?: string;
  readonly layerCeiling: number;
  readonly deadline?: Deadline;
  readonly progress?: (line: string) => void;
  readonly terminal?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const BLOB_REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

export async function importRelease(options: ImportReleaseOptions): Promise<ImportReport & { readonly release?: string; readonly verified: boolean }> {
  let target;
  try {
    target = parseRegistryTarget(options.registry);
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
  let verified = false;
  if (hasRelease) {
    if (archive.release === undefined) throw new UserError(`${options.file}: the archive does not say which release it holds`);
    const store: ReleaseStore = {
      location: `oci-archive:${options.file}`,
      config: new ArchiveRepository(archive, CONFIG_REPOSITORY),
      release: new ArchiveRepository(archive, RELEASE_REPOSITORY),
      statements: new ArchiveRepository(archive, CHANNELS_REPOSITORY),
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
  const report = await importArchive(archive, registryTarget(client, target.namespace), {
    ...(options.channel ? { channel: options.channel } : {}),
    progress,
    terminal: options.terminal ?? false,
  });
  return { ...report, ...(archive.release ? { release: archive.release } : {}), verified };
}
