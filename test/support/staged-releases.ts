import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthesizeRelease } from "../../src/synth/synth-release.js";
import { writeRelease } from "../../src/synth/write-output.js";
import { RELEASES_DIR } from "./rendered.js";
import { tempDir } from "./temp-dir.js";

/** Synthesizes the checked-in releases into a fresh dist directory, as `npm run synth` would. */
export async function stagedDist(versions: readonly string[] = ["1.0-rc5", "1.0.0"]): Promise<string> {
  const dist = join(tempDir(), "dist");
  for (const version of versions) await writeRelease(dist, synthesizeRelease(join(RELEASES_DIR, `${version}.yaml`), 0));
  return dist;
}

/** A dist holding a *different* release under an existing version (one image tag changed). */
export async function alteredDist(version: string): Promise<string> {
  const dir = tempDir();
  cpSync(join(RELEASES_DIR, "profiles"), join(dir, "profiles"), { recursive: true });
  const text = readFileSync(join(RELEASES_DIR, `${version}.yaml`), "utf8").replace(/email-service:([0-9a-f]+)/, "email-service:ffffffff");
  writeFileSync(join(dir, `${version}.yaml`), text);
  const dist = join(dir, "dist");
  await writeRelease(dist, synthesizeRelease(join(dir, `${version}.yaml`), 0));
  return dist;
}
