import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RELEASES_DIR } from "../support/rendered.js";
import { tempDir } from "../support/temp-dir.js";

/**
 * A copy of releases/1.0.0.yaml (with its profiles) whose status image the kit builds on `base`:
 * its statusService.image loses its digest (the lock supplies the built one); returns the file.
 */
export function releaseBuildingOn(base: string, version = "1.0.0"): string {
  const dir = tempDir("ark-image-release-");
  cpSync(join(RELEASES_DIR, "profiles"), join(dir, "profiles"), { recursive: true });
  const text = readFileSync(join(RELEASES_DIR, "1.0.0.yaml"), "utf8")
    .replace(/^version: .*$/m, `version: ${version}`)
    .replace(/^statusService:\n(?: {2}#[^\n]*\n)* {2}image: ([^\n]*)\n(?: {2}build:\n(?: {4}[^\n]*\n)+)?/m, (_all, image: string) => `statusService:\n  image: ${image.replace(/:[^:/@]+(@sha256:.*)?$/, "")}:${version}\n  build:\n    base: ${base}\n`);
  if (!text.includes(base)) throw new Error("releases/1.0.0.yaml has no statusService block to put the base into");
  const file = join(dir, `${version}.yaml`);
  writeFileSync(file, text);
  return file;
}
