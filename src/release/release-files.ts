/**
 * Where a release's files are: `releases/<version>.yaml`, and its lock beside it. Names only, no
 * parsing, so a command can find release files without loading the YAML reader or the schemas.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../errors.js";

/** A release file's name: `<version>.yaml`. */
export const RELEASE_FILE = /^[0-9][a-zA-Z0-9._-]*\.yaml$/;

/** Every `releases/<version>.yaml` (lock files and sub-directories excluded), in version-name order. */
export function listReleaseFiles(releasesDir: string): string[] {
  if (!existsSync(releasesDir)) throw new UserError(`${releasesDir}: no releases directory (run from the checkout, or name one release with --release)`);
  return readdirSync(releasesDir)
    .filter((name) => RELEASE_FILE.test(name) && !name.includes(".lock."))
    .sort()
    .map((name) => join(releasesDir, name));
}

/** Resolves `--release` given as a version (`1.0-rc5`) or as a path to a release file. */
export function resolveReleaseFile(releasesDir: string, versionOrPath: string): string {
  if (versionOrPath.endsWith(".yaml") || versionOrPath.includes("/")) return resolve(versionOrPath);
  const file = join(releasesDir, `${versionOrPath}.yaml`);
  if (!existsSync(file)) {
    const known = listReleaseFiles(releasesDir).map((path) => basename(path, ".yaml"));
    throw new UserError(`no release "${versionOrPath}": ${file} does not exist (known releases: ${known.join(", ") || "none"})`);
  }
  return file;
}

/** `releases/1.0.0.yaml` → `releases/1.0.0.lock.yaml`: the lock lives beside its release. */
export function lockFileFor(releaseFile: string): string {
  return join(dirname(releaseFile), `${basename(releaseFile).replace(/\.ya?ml$/, "")}.lock.yaml`);
}
