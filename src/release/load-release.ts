import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { ReleaseDefinition } from "../../schemas/release.js";
import { ValuesProfile } from "../../schemas/profile.js";
import { UserError } from "../errors.js";
import type { ReleaseLock } from "../../schemas/release-lock.js";
import { readReleaseLock } from "./load-lock.js";
import { readYamlDocument } from "./read-yaml-document.js";
import { RELEASE_FILE } from "./release-files.js";

/** A release definition together with the values profile it names. */
export interface LoadedRelease {
  readonly file: string;
  readonly definition: ReleaseDefinition;
  readonly profile: ValuesProfile;
  /** `<version>.lock.yaml` beside the release, when `npm run lock` wrote one. */
  readonly lock?: { readonly file: string; readonly lock: ReleaseLock };
}

/** Reads and validates a release file and its profile (`<releases dir>/profiles/<profile>.yaml`). */
export function loadRelease(file: string, profilesDir = join(resolve(file, ".."), "profiles")): LoadedRelease {
  const definition = readYamlDocument(file, ReleaseDefinition, "release definition");
  const expectedName = `${definition.version}.yaml`;
  if (basename(file) !== expectedName && RELEASE_FILE.test(basename(file))) {
    throw new UserError(`${file}: version: "${definition.version}" does not match the file name; rename the file to ${expectedName} or fix the version`);
  }
  const profileFile = join(profilesDir, `${definition.profile}.yaml`);
  if (!existsSync(profileFile)) {
    throw new UserError(`${file}: profile: no values profile "${definition.profile}" (expected ${profileFile}); create it or name an existing profile`);
  }
  const profile = readYamlDocument(profileFile, ValuesProfile, "values profile");
  if (profile.name !== definition.profile) {
    throw new UserError(`${profileFile}: name: "${profile.name}" does not match the file name; set name: ${definition.profile}`);
  }
  const lock = readReleaseLock(file, definition.version);
  return { file, definition, profile, ...(lock ? { lock } : {}) };
}
