import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
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

/**
 * A release text whose kit-built status image (statusService.build) is pinned instead at the digest
 * its lock recorded, as an image built elsewhere: the copy then synthesizes without its lock.
 */
function pinStatusImage(text: string, version: string): string {
  const block = /^statusService:\n(?: {2}#[^\n]*\n)* {2}image: ([^\n@]*)\n {2}build:\n(?: {4}[^\n]*\n)+/m;
  if (!block.test(text)) return text;
  const lock = parse(readFileSync(join(RELEASES_DIR, `${version}.lock.yaml`), "utf8")) as { images: { reference: string; digest: string }[] };
  return text.replace(block, (_all, image: string) => `statusService:\n  image: ${image}@${lock.images.find((entry) => entry.reference === image)!.digest}\n`);
}

/** A dist holding a *different* release under an existing version (one image tag changed). */
export async function alteredDist(version: string): Promise<string> {
  const dir = tempDir();
  cpSync(join(RELEASES_DIR, "profiles"), join(dir, "profiles"), { recursive: true });
  const text = pinStatusImage(readFileSync(join(RELEASES_DIR, `${version}.yaml`), "utf8"), version).replace(/email-service:([0-9a-f]+)/, "email-service:ffffffff");
  writeFileSync(join(dir, `${version}.yaml`), text);
  const dist = join(dir, "dist");
  await writeRelease(dist, synthesizeRelease(join(dir, `${version}.yaml`), 0));
  return dist;
}
