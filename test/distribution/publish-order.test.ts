import { describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { openReleaseStore, type ReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

/** Wraps a repository so every write is recorded, and optionally fails one write. */
function recording(repository: ContentRepository, name: string, log: string[], failOn?: (entry: string) => boolean): ContentRepository {
  const record = (entry: string) => {
    log.push(entry);
    if (failOn?.(entry)) throw new Error(`injected failure at ${entry}`);
  };
  return {
    location: repository.location,
    hasBlob: (digest) => repository.hasBlob(digest),
    fetchBlob: (digest, size) => repository.fetchBlob(digest, size),
    resolve: (reference) => repository.resolve(reference),
    fetchManifest: (reference) => repository.fetchManifest(reference),
    listTags: () => repository.listTags(),
    pushBlob: async (descriptor, data) => {
      record(`${name} blob`);
      return repository.pushBlob(descriptor, data);
    },
    pushManifest: async (bytes, mediaType, reference) => {
      record(`${name} manifest ${reference.startsWith("sha256:") ? "by digest" : reference}`);
      return repository.pushManifest(bytes, mediaType, reference);
    },
  };
}

function recordingStore(log: string[], failOn?: (entry: string) => boolean): ReleaseStore {
  const store = openReleaseStore({ ociLayout: tempDir() });
  return { ...store, config: recording(store.config, "config", log, failOn), release: recording(store.release, "release", log, failOn) };
}

describe("publish order", () => {
  it("writes blobs, the bundle manifest, the release manifest, the version tags, then channel tags last", async () => {
    const staged = await openStagedRelease(await stagedDist(["1.0-rc5"]), "1.0-rc5");
    const log: string[] = [];
    await publishRelease(staged, recordingStore(log), { channels: ["stable", "nightly"] });
    expect(log).toEqual([
      "config blob",
      "config blob",
      "config manifest by digest",
      "release blob",
      "release blob",
      "release manifest by digest",
      "config manifest 1.0-rc5",
      "release manifest 1.0-rc5",
      "release manifest stable",
      "release manifest nightly",
    ]);
  });

  it("a failure before the tags leaves no tag pointing anywhere", async () => {
    const staged = await openStagedRelease(await stagedDist(["1.0-rc5"]), "1.0-rc5");
    const log: string[] = [];
    const store = recordingStore(log, (entry) => entry === "release manifest by digest");
    await expect(publishRelease(staged, store, { channels: ["stable"] })).rejects.toThrow(/injected failure/);
    expect(await store.config.listTags()).toEqual([]);
    expect(await store.release.listTags()).toEqual([]);
  });
});
