import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../errors.js";
import { projectRoot } from "../project-root.js";
import type { StagedRelease } from "./staged-release.js";

/** The newest modification time among `paths` (files, or directories walked whole); absent ones are skipped. */
function newestInput(paths: readonly string[]): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  const consider = (path: string) => {
    let info;
    try {
      info = statSync(path);
    } catch {
      return;
    }
    if (info.isDirectory()) {
      for (const entry of readdirSync(path).sort()) consider(join(path, entry));
      return;
    }
    if (!newest || info.mtimeMs > newest.mtimeMs) newest = { path, mtimeMs: info.mtimeMs };
  };
  for (const path of paths) consider(path);
  return newest;
}

/**
 * Refuses a staged release that is older than what synth made it from: the release file, its
 * values profile and lock file, and the constructs and schemas of this checkout. Publishing it
 * would ship something other than what the checkout now says; synth must run first. Judged by
 * modification times: synth writes release-manifest.json after it has read every input.
 */
export function assertStagedFresh(distDir: string, staged: StagedRelease, releaseFile: string, root = projectRoot()): void {
  const stagedFile = join(distDir, staged.version, "release-manifest.json");
  const stagedAt = statSync(stagedFile).mtimeMs;
  const releasesDir = dirname(releaseFile);
  const inputs = [
    releaseFile,
    join(releasesDir, "profiles", `${staged.manifest.profile.name}.yaml`),
    join(releasesDir, `${staged.version}.lock.yaml`),
    join(root, "constructs"),
    join(root, "schemas"),
  ];
  const newest = newestInput(inputs);
  if (newest && newest.mtimeMs > stagedAt) {
    throw new UserError(
      `${join(distDir, staged.version)} is older than its input ${newest.path} (changed ${new Date(newest.mtimeMs).toISOString()}, ` +
        `staged ${new Date(stagedAt).toISOString()}): run synth first (npm run synth -- --release ${staged.version}); nothing was published`,
      { stale: { version: staged.version, input: newest.path } },
    );
  }
}
