import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { extractTarGz } from "../bundle/safe-extract.js";
import { UserError } from "../errors.js";
import { moveIntoPlace } from "../fs/move-into-place.js";
import { createStagingDirectory, removeStaleStaging } from "../fs/staging-directory.js";
import { withCosignVerification } from "./flux-cosign-verification.js";
import { fluxSourceObjects, fluxSourceYaml } from "./flux-source-document.js";
import type { ReleaseStore } from "./release-store.js";
import { resolveRelease, type ResolvedRelease } from "./resolve-release.js";

/** Staging directories are `<out>.pull-<pid>-XXXXXX`. */
const STAGING_PURPOSE = "pull";

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
 * `outDir` that is moved into place only when complete; a failed, refused or interrupted
 * (SIGINT/SIGTERM) pull leaves nothing, an existing `outDir` is only ever replaced whole, with
 * `replace`, and staging directories left by a pull that died (SIGKILL, power cut) are removed.
 */
export async function pullRelease(store: ReleaseStore, options: PullOptions): Promise<PullReport> {
  const progress = options.progress ?? (() => {});
  const outDir = resolve(options.outDir);
  const refuseExisting = () => {
    if (existsSync(outDir) && !options.replace) throw new UserError(`${outDir} already exists; remove it or pass --replace`);
  };
  refuseExisting();
  progress(`resolving ${options.reference}`);
  // The store's check (a registry's /v2/ ping) only explains a failure: asked when the resolution
  // fails, its message ("does not look like an OCI registry", "expects HTTPS") wins; a pull that
  // works spends no request, connection or time on it.
  let release: ResolvedRelease;
  try {
    release = await resolveRelease(store, options.reference);
  } catch (error) {
    await store.check();
    throw error;
  }
  if (options.verify) {
    progress("verifying signatures");
    await options.verify(release);
  }

  // The bundle's layer is fetched (and checked against its digest) while the staging directory is
  // prepared; it is written nowhere until both are done.
  progress(`fetching bundle ${release.bundleLayer.digest.slice(0, 19)} (${release.bundleLayer.size} bytes)`);
  const fetching = store.config.fetchBlob(release.bundleLayer.digest, release.bundleLayer.size);
  // Observed now, so that a failure while preparing the directory leaves no unhandled rejection.
  fetching.catch(() => {});
  const createdParent = firstMissingAncestor(dirname(outDir));
  mkdirSync(dirname(outDir), { recursive: true });
  for (const stale of await removeStaleStaging(outDir, STAGING_PURPOSE)) progress(`removed ${stale}, left by an interrupted pull`);
  const staging = await createStagingDirectory(outDir, STAGING_PURPOSE, createdParent);
  let placed = false;
  try {
    const layer = await fetching;
    progress("extracting");
    const extracted = await extractTarGz(layer, join(staging.path, "config"));
    // A few small files, written synchronously (as the bundle's are: see safe-extract.ts).
    writeFileSync(join(staging.path, "release-manifest.json"), release.manifestBytes);
    chmodSync(join(staging.path, "release-manifest.json"), 0o644);
    const url = options.fluxUrl ?? store.configUrl;
    if (url) {
      const header = `# Written by appliance-release-kit's pull for release ${release.manifest.version} (${release.artifact.descriptor.digest}).\n# Apply it to install that release: the source is pinned to the bundle by digest.`;
      const objects = withCosignVerification(fluxSourceObjects({ url, digest: release.manifest.configBundle.digest, insecure: store.insecure }), options.fluxVerifyKeys ?? []);
      mkdirSync(join(staging.path, "flux"), { recursive: true });
      writeFileSync(join(staging.path, "flux", "source.yaml"), fluxSourceYaml(objects, header));
      // Modes set like the rest of the tree, whatever the umask.
      chmodSync(join(staging.path, "flux"), 0o755);
      chmodSync(join(staging.path, "flux", "source.yaml"), 0o644);
    }
    chmodSync(staging.path, 0o755);
    refuseExisting();
    await moveIntoPlace(staging.path, outDir);
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
    await staging.dispose({ keep: placed });
  }
}
