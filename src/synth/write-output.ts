import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { moveIntoPlace } from "../fs/move-into-place.js";
import { CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import type { BuiltArtifact } from "../oci/build-artifact.js";
import { writeStagedLayout } from "../oci/staged-layout.js";
import type { SynthesizedRelease } from "./synth-release.js";

/** Directory, under a release's output, holding the staged OCI layouts that publish copies. */
export const STAGED_LAYOUT_DIR = "oci";

/** File, in STAGED_LAYOUT_DIR, holding the release inputs synth rendered from (StagedReleaseInputs), which publish reads. */
export const STAGED_INPUTS_FILE = "release-inputs.json";

// Synchronous on purpose: dozens of small files into a private staging directory, one after the
// other; each promise-based call is a round trip through libuv's thread pool, which on the loaded
// 2-core machine cost twice as much as the writes themselves (34 ms against 18 ms per release).
function writeFiles(root: string, files: ReadonlyMap<string, Uint8Array>): void {
  // Each directory is made once (most files share one), not once per file.
  const made = new Set<string>();
  for (const [path, data] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const target = join(root, path);
    const dir = dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      made.add(dir);
    }
    writeFileSync(target, data);
    // Modes must not depend on the umask of whoever runs synth.
    chmodSync(target, 0o644);
  }
}

function normalizeDirectoryModes(root: string, files: Iterable<string>): void {
  const dirs = new Set<string>([root]);
  for (const path of files) for (let dir = dirname(join(root, path)); dir.startsWith(root); dir = dirname(dir)) dirs.add(dir);
  for (const dir of dirs) chmodSync(dir, 0o755);
}

/**
 * Stages an artifact in an OCI image layout, tagged `tag`. The layout lives in replaceDirectory's
 * private staging directory, moved into place (and fsynced) as a whole, so it is written directly:
 * no lock, no fsync per file, no asynchronous round trip per file-system call.
 */
function stageArtifact(layoutRoot: string, repository: string, artifact: BuiltArtifact, tag: string): void {
  writeStagedLayout(layoutRoot, repository, { blobs: [artifact.config, ...artifact.layers], manifest: { data: artifact.manifest.data, mediaType: artifact.manifest.descriptor.mediaType } }, tag);
}
/**
 * Replaces `<outRoot>/<name>` with `build`'s output as one step: everything is written into a
 * temporary sibling first and renamed into place only when complete, so a failure never leaves a
 * half-written directory behind.
 */
async function replaceDirectory(outRoot: string, name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const target = join(outRoot, name);
  const staging = join(outRoot, `.${name.replace(/\//g, "_")}.tmp-${randomBytes(6).toString("hex")}`);
  await mkdir(outRoot, { recursive: true });
  try {
    await mkdir(staging, { mode: 0o755 });
    await build(staging);
    await moveIntoPlace(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return target;
}

/** Writes one release's directory: rendered files, release-manifest.json, the staged OCI layouts and the inputs beside them. */
export async function writeRelease(outRoot: string, release: SynthesizedRelease): Promise<string> {
  return replaceDirectory(outRoot, release.version, async (dir) => {
    writeFiles(dir, release.files);
    normalizeDirectoryModes(dir, release.files.keys());
    const layouts = join(dir, STAGED_LAYOUT_DIR);
    stageArtifact(layouts, CONFIG_REPOSITORY, release.bundle, release.version);
    stageArtifact(layouts, RELEASE_REPOSITORY, release.releaseArtifact, release.version);
    writeFiles(layouts, new Map([[STAGED_INPUTS_FILE, release.stagedInputs]]));
  });
}

/** Writes the vendor files (paths start with `vendor/`). */
export async function writeVendor(outRoot: string, files: ReadonlyMap<string, Uint8Array>): Promise<string> {
  const relative = new Map([...files].map(([path, data]) => [path.replace(/^vendor\//, ""), data]));
  return replaceDirectory(outRoot, "vendor", async (dir) => {
    writeFiles(dir, relative);
    normalizeDirectoryModes(dir, relative.keys());
  });
}
