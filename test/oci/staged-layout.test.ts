/**
 * Issue 11, point 2: synth stages its OCI layouts inside a private directory that is moved into
 * place whole, so it writes them directly (writeStagedLayout: no lock, no fsync per file, no
 * asynchronous round trip per call). They must hold exactly the files, bytes and modes a push into
 * a shared layout gives, whatever the umask, and refuse content that does not match its digests.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { writeStagedLayout } from "../../src/oci/staged-layout.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { tempDir } from "../support/temp-dir.js";
import { artifactFixture } from "./test-helpers.js";

function contents(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const mode = (statSync(path).mode & 0o777).toString(8);
    files[path.slice(dir.length)] = entry.isFile() ? `${mode} ${readFileSync(path, "hex")}` : `${mode} directory`;
  }
  return files;
}

const fixture = artifactFixture("staged");
const staged = { blobs: [fixture.config, fixture.layer], manifest: { data: fixture.manifest, mediaType: OCI_IMAGE_MANIFEST } };

describe("a staged layout", () => {
  it("holds the same files, bytes and modes as a shared layout given the same push, under any umask", async () => {
    const shared = tempDir();
    const repo = openLayoutRepository(shared, "alga/repo");
    await repo.batch(async () => {
      for (const blob of [fixture.config, fixture.layer]) await repo.pushBlob(blob.descriptor, blob.data);
      await repo.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, "1.0");
    });
    const direct = tempDir();
    const umask = process.umask(0o077);
    try {
      expect(writeStagedLayout(direct, "alga/repo", staged, "1.0").digest).toBe(fixture.manifestDigest);
    } finally {
      process.umask(umask);
    }
    expect(contents(direct)).toEqual(contents(shared));
    expect(Object.keys(contents(direct))).toContain("/alga/repo/index.json");
    expect(await openLayoutRepository(direct, "alga/repo").resolve("1.0")).toMatchObject({ digest: fixture.manifestDigest });
  });

  it("refuses a blob whose bytes do not match its digest, and a manifest whose blobs it was not given", () => {
    const corrupt = { ...staged, blobs: [fixture.config, { descriptor: fixture.layer.descriptor, data: fixture.config.data }] };
    expect(() => writeStagedLayout(tempDir(), "alga/repo", corrupt, "1.0")).toThrow(/sha256/);
    const incomplete = { ...staged, blobs: [fixture.config] };
    expect(() => writeStagedLayout(tempDir(), "alga/repo", incomplete, "1.0")).toThrow(`references blobs it was not given: ${fixture.layer.descriptor.digest}`);
  });
});
