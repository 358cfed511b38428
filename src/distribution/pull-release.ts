import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { extractTarGz } from "../bundle/safe-extract.js";
import { UserError } from "../errors.js";
import { composeFluxSource } from "../synth/compose-flux-source.js";
import { serializeFile } from "../synth/serialize.js";
import type { ReleaseStore } from "./release-store.js";
import { resolveRelease } from "./resolve-release.js";

export interface PullOptions {
  /** A channel, a version or a release-artifact digest. */
  readonly reference: string;
  readonly outDir: string;
  /** `oci://…` Flux should read the bundle from; default: the registry pulled from. */
  readonly fluxUrl?: string;
  /** Replace an existing output directory. */
  readonly replace?: boolean;
  readonly progress?: (message: string) => void;
}

export interface PullReport {
  readonly reference: string;
  readonly version: string;
  readonly releaseDigest: string;
  readonly bundleDigest: string;
  readonly outDir: string;
  readonly files: number;
  readonly fluxSource?: string;
}

/**
 * What an appliance does: resolve, verify, extract. Everything lands in a temporary sibling of
 * `outDir` that is renamed into place only when complete; a failed or refused pull leaves nothing.
 */
export async function pullRelease(store: ReleaseStore, options: PullOptions): Promise<PullReport> {
  const progress = options.progress ?? (() => {});
  const outDir = resolve(options.outDir);
  if (existsSync(outDir) && !options.replace) throw new UserError(`${outDir} already exists; remove it or pass --replace`);
  await store.check();
  progress(`resolving ${options.reference}`);
  const release = await resolveRelease(store, options.reference);
  progress(`fetching bundle ${release.bundleLayer.digest.slice(0, 19)} (${release.bundleLayer.size} bytes)`);
  const layer = await store.config.fetchBlob(release.bundleLayer.digest, release.bundleLayer.size);

  const staging = join(dirname(outDir), `.${basename(outDir)}.pull-${randomBytes(6).toString("hex")}`);
  await mkdir(dirname(outDir), { recursive: true });
  try {
    await mkdir(staging, { mode: 0o755 });
    progress("extracting");
    const extracted = await extractTarGz(layer, join(staging, "config"));
    await writeFile(join(staging, "release-manifest.json"), release.manifestBytes);
    await chmod(join(staging, "release-manifest.json"), 0o644);
    const url = options.fluxUrl ?? store.configUrl;
    if (url) {
      for (const file of composeFluxSource({ url, digest: release.manifest.configBundle.digest, insecure: store.insecure })) {
        await mkdir(join(staging, dirname(file.path)), { recursive: true });
        await writeFile(join(staging, file.path), serializeFile(file, release.reference));
      }
    }
    if (existsSync(outDir)) await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
    return {
      reference: release.reference,
      version: release.manifest.version,
      releaseDigest: release.artifact.descriptor.digest,
      bundleDigest: release.manifest.configBundle.digest,
      outDir,
      files: extracted.files,
      ...(url ? { fluxSource: join(outDir, "flux", "source.yaml") } : {}),
    };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
