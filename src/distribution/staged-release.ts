import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ReleaseManifest } from "../../schemas/release-manifest.js";
import { UserError } from "../errors.js";
import { CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import { sha256Digest } from "../oci/digest.js";
import { openLayoutRepository, type OciLayoutRepository } from "../oci/layout.js";
import { parseImageManifest } from "../oci/image-manifest.js";
import type { Descriptor } from "../oci/types.js";
import { formatIssues } from "../release/format-issues.js";
import { StagedReleaseInputs } from "../release/staged-release-inputs.js";
import { STAGED_INPUTS_FILE, STAGED_LAYOUT_DIR } from "../synth/write-output.js";

/** A release as synth left it in dist/<version>/: its manifest, the staged OCI layouts and the inputs it was rendered from. */
export interface StagedRelease {
  readonly version: string;
  readonly manifest: ReleaseManifest;
  readonly config: OciLayoutRepository;
  readonly release: OciLayoutRepository;
  readonly bundle: Descriptor;
  readonly releaseArtifact: Descriptor;
  /** The release definition, profile and lock synth rendered this release from. */
  readonly inputs: StagedReleaseInputs;
}

/** The staged release inputs (StagedReleaseInputs), validated, of this version and of the staged release artifact. */
function readStagedInputs(layouts: string, version: string, releaseArtifact: Descriptor, rerun: string): StagedReleaseInputs {
  const file = join(layouts, STAGED_INPUTS_FILE);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "is missing (staged by an older synth?)" : code ? `cannot be read (${code})` : "is not JSON (edited after synth?)";
    throw new UserError(`${file} ${why}; ${rerun}`);
  }
  // Without zod's JIT, as every document a command reads once (src/release/read-yaml-document.ts).
  const parsed = StagedReleaseInputs.safeParse(data, { jitless: true });
  if (!parsed.success) {
    const lines = formatIssues(parsed.error.issues).map((line) => `  ${line}`);
    throw new UserError(`${file} is not what synth stages (edited after synth?):\n${lines.join("\n")}\n${rerun}`);
  }
  const inputs = parsed.data;
  if (inputs.definition.version !== version) throw new UserError(`${file} holds the inputs of release ${inputs.definition.version}, not ${version}; ${rerun}`);
  if (inputs.lock && inputs.lock.release !== version) throw new UserError(`${file} holds the lock of release ${inputs.lock.release}, not ${version}; ${rerun}`);
  if (inputs.releaseArtifact !== releaseArtifact.digest) {
    throw new UserError(`${file} rendered the release artifact ${inputs.releaseArtifact}, not the staged ${releaseArtifact.digest} (from another synth run?); ${rerun}`);
  }
  return inputs;
}

/**
 * Opens dist/<version>/ and checks that it is whole and consistent: the staged release artifact's
 * config blob is exactly release-manifest.json, that manifest pins exactly the staged bundle, and
 * the staged release inputs are valid, of this version and of exactly this release artifact.
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
  const inputs = readStagedInputs(layouts, version, releaseArtifact, rerun);
  return { version, manifest, config, release, bundle, releaseArtifact, inputs };
}
