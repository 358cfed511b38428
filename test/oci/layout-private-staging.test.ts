/**
 * Issue 11, point 2: synth stages its OCI layouts inside a private directory that is moved into
 * place whole, so those layouts take no lock file and are not fsynced file by file; they must
 * still hold exactly the bytes a shared (locked, fsynced) layout holds.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLayoutRepository, type LayoutOptions } from "../../src/oci/layout.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { tempDir } from "../support/temp-dir.js";
import { artifactFixture } from "./test-helpers.js";

async function stage(root: string, options: LayoutOptions): Promise<void> {
  const fixture = artifactFixture("staged");
  const repo = openLayoutRepository(root, "alga/repo", options);
  await repo.batch(async () => {
    for (const blob of [fixture.config, fixture.layer]) await repo.pushBlob(blob.descriptor, blob.data);
    await repo.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, "1.0");
  });
}

function contents(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name).slice(dir.length)] = readFileSync(join(entry.parentPath, entry.name), "hex");
  }
  return files;
}

describe("a layout in private staging", () => {
  it("holds the same files, byte for byte, as a shared layout given the same pushes", async () => {
    const shared = tempDir();
    const staged = tempDir();
    await stage(shared, {});
    await stage(staged, { privateStaging: true });
    expect(contents(staged)).toEqual(contents(shared));
    expect(Object.keys(contents(staged))).toContain("/alga/repo/index.json");
  });

  it("takes no lock: a live holder of the lock file does not hold it up", async () => {
    const root = tempDir();
    mkdirSync(join(root, "alga"));
    writeFileSync(join(root, "alga", "repo.lock"), JSON.stringify({ pid: process.pid, host: hostname(), since: "2026-01-01T00:00:00Z" }));
    const started = Date.now();
    await stage(root, { privateStaging: true });
    // A shared layout would wait up to 60 s for this holder, then refuse.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await openLayoutRepository(root, "alga/repo").listTags()).toEqual(["1.0"]);
  });
});
