import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ReleaseManifest } from "../../schemas/release-manifest.js";
import { UserError } from "../errors.js";
import { CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import { sha256Digest } from "../oci/digest.js";
import { openLayoutRepository, type OciLayoutRepository } from "../oci/layout.js";
import { parseImageManifest } from "../oci/image-manifest.js";
import type { Descriptor } from "../oci/types.js";
import { STAGED_LAYOUT_DIR } from "../synth/write-output.js";

/** A release as synth left it in dist/<version>/: its manifest and the staged OCI layouts. */
export interface StagedRelease {
  readonly version: string;
  readonly manifest: ReleaseManifest;
  readonly config: OciLayoutRepository;
  readonly release: OciLayoutRepository;
  readonly bundle: Descriptor;
  readonly releaseArtifact: Descriptor;
}

/**
 * Opens dist/<version>/ and checks that it is whole and consistent: the staged release artifact's
 * config blob is exactly release-manifest.json, and that manifest pins exactly the staged bundle.
 */
export async function openStagedRelease(distDir: string, version: string): Promise<StagedRelease> {
  const dir = join(distDir, version);
  const manifestFile = join(dir, "release-manifest.json");
  const rerun = `run npm run synth -- --release ${version} first`;
  if (!existsSync(manifestFile)) throw new UserError(`${dir}: no synthesized release ${version}; ${rerun}`);
  const manifestBytes = readFileSync(manifestFile);
  let manifest: ReleaseManifest;
  try {
    manifest = ReleaseManifest.parse(JSON.parse(manifestBytes.toString("utf8")));
  } catch {
    throw new UserError(`${manifestFile} is not a valid release manifest (edited after synth?); ${rerun}`);
  }
  const layouts = join(dir, STAGED_LAYOUT_DIR);
  const config = openLayoutRepository(layouts, CONFIG_REPOSITORY);
  const release = openLayoutRepository(layouts, RELEASE_REPOSITORY);
  const releaseArtifact = await release.resolve(version);
  const bundle = await config.resolve(version);
  if (!releaseArtifact || !bundle) throw new UserError(`${layouts}: the staged artifacts of ${version} are missing; ${rerun}`);
  const artifact = parseImageManifest((await release.fetchManifest(releaseArtifact.digest)).bytes, `${layouts} release ${version}`);
  if (artifact.config.digest !== sha256Digest(manifestBytes)) {
    throw new UserError(`${manifestFile} differs from the staged release artifact (edited after synth?); ${rerun}`);
  }
  if (manifest.configBundle.digest !== bundle.digest) {
    throw new UserError(`${manifestFile}: configBundle.digest ${manifest.configBundle.digest} is not the staged bundle ${bundle.digest}; ${rerun}`);
  }
  return { version, manifest, config, release, bundle, releaseArtifact };
}
