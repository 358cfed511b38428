import { existsSync } from "node:fs";
import { basename } from "node:path";
import { ReleaseLock } from "../../schemas/release-lock.js";
import { UserError } from "../errors.js";
import { readYamlDocument } from "./read-yaml-document.js";
import { lockFileFor } from "./release-files.js";

/** Reads the release's lock file; undefined when the release has none. */
export function readReleaseLock(releaseFile: string, version: string): { file: string; lock: ReleaseLock } | undefined {
  const file = lockFileFor(releaseFile);
  if (!existsSync(file)) return undefined;
  const lock = readYamlDocument(file, ReleaseLock, "release lock");
  if (lock.release !== version) {
    throw new UserError(`${file}: release: "${lock.release}" is not the version of ${basename(releaseFile)} (${version}); run npm run lock -- --release ${version}`);
  }
  return { file, lock };
}
