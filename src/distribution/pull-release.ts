import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { extractTarGz } from "../bundle/safe-extract.js";
import { UserError } from "../errors.js";
import { moveIntoPlace } from "../fs/move-into-place.js";
import { composeFluxSource } from "../synth/compose-flux-source.js";
import { serializeFile } from "../synth/serialize.js";
import { withCosignVerification } from "./flux-cosign-verification.js";
import type { ReleaseStore } from "./release-store.js";
import { resolveRelease, type ResolvedRelease } from "./resolve-release.js";

export interface PullOptions {
  /** A channel, a version or a release-artifact digest. */
  readonly reference: string;
  readonly outDir: string;
  /** `oci://…` Flux should read the bundle from; default: the registry pulled from. */
  readonly fluxUrl?: string;
  /** Replace an existing output directory. */
  readonly replace?: boolean;
  readonly progress?: (message: string) => void;
  /** Refuses the release (throws) before anything is fetched or written, e.g. when its signatures do not verify. */
  readonly verify?: (release: ResolvedRelease) => Promise<void>;
  /** Public keys (PEM) Flux verifies the bundle with on every reconcile; written into flux/source.yaml. */
  readonly fluxVerifyKeys?: readonly string[];
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

/** The first ancestor of `dir` that does not exist yet (what a mkdir -p would create), if any. */
function firstMissingAncestor(dir: string): string | undefined {
  let missing: string | undefined;
  for (let current = dir; !existsSync(current); current = dirname(current)) missing = current;
  return missing;
}

/**
 * What an appliance does: resolve, verify, extract. Everything lands in a temporary sibling of
 * `outDir` that is moved into place only when complete; a failed or refused pull leaves nothing,
 * and an existing `outDir` is only ever replaced whole, with `replace`.
 */
export async function pullRelease(store: ReleaseStore, options: PullOptions): Promise<PullReport> {
  const progress = options.progress ?? (() => {});
  const outDir = resolve(options.outDir);
  const refuseExisting = () => {
    if (existsSync(outDir) && !options.replace) throw new UserError(`${outDir} already exists; remove it or pass --replace`);
  };
  refuseExisting();
  await store.check();
  progress(`resolving ${options.reference}`);
  const release = await resolveRelease(store, options.reference);
  if (options.verify) {
    progress("verifying signatures");
    await options.verify(release);
  }
  progress(`fetching bundle ${release.bundleLayer.digest.slice(0, 19)} (${release.bundleLayer.size} bytes)`);
  const layer = await store.config.fetchBlob(release.bundleLayer.digest, release.bundleLayer.size);

  const createdParent = firstMissingAncestor(dirname(outDir));
  await mkdir(dirname(outDir), { recursive: true });
  const staging = await mkdtemp(`${outDir}.pull-`);
  let placed = false;
  try {
    progress("extracting");
    const extracted = await extractTarGz(layer, join(staging, "config"));
    await writeFile(join(staging, "release-manifest.json"), release.manifestBytes);
    await chmod(join(staging, "release-manifest.json"), 0o644);
    const url = options.fluxUrl ?? store.configUrl;
    if (url) {
      const header = `# Written by appliance-release-kit's pull for release ${release.manifest.version} (${release.artifact.descriptor.digest}).\n# Apply it to install that release: the source is pinned to the bundle by digest.`;
      for (const file of composeFluxSource({ url, digest: release.manifest.configBundle.digest, insecure: store.insecure })) {
        await mkdir(join(staging, dirname(file.path)), { recursive: true });
        const objects = withCosignVerification(file.objects, options.fluxVerifyKeys ?? []);
        await writeFile(join(staging, file.path), serializeFile({ ...file, objects }, header));
      }
    }
    await chmod(staging, 0o755);
    refuseExisting();
    await moveIntoPlace(staging, outDir);
    placed = true;
    return {
      reference: release.reference,
      version: release.manifest.version,
      releaseDigest: release.artifact.descriptor.digest,
      bundleDigest: release.manifest.configBundle.digest,
      outDir,
      files: extracted.files,
      ...(url ? { fluxSource: join(outDir, "flux", "source.yaml") } : {}),
    };
  } finally {
    if (!placed) {
      await rm(staging, { recursive: true, force: true });
      if (createdParent) await rm(createdParent, { recursive: true, force: true });
    }
  }
}
