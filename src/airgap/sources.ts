/**
 * Where an export reads from: one repository of a registry (each host with its own credentials,
 * as `lock` asks them), a repository of the release store (registry or layout), or a mirror OCI
 * layout (one layout whose index.json names images by full reference: what `export --oci-layout`
 * writes, so a mirror can be an earlier export).
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ReferenceRegistries } from "../distribution/reference-registries.js";
import { registryEndpoint } from "../distribution/reference-registries.js";
import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import { LayoutBlobStore } from "../oci/layout-blob-store.js";
import { INDEX_FILE, parseIndex, refNameOf, type IndexDocument } from "../oci/layout-index.js";
import { MAX_MANIFEST_BYTES } from "../oci/limits.js";
import { openRegistryBlob } from "../oci/registry-blob-stream.js";
import { OciLayoutRepository } from "../oci/layout.js";
import { RegistryRepository } from "../oci/registry-repository.js";
import { sha256Digest } from "../oci/digest.js";
import type { ContentRepository, Descriptor, FetchedManifest } from "../oci/types.js";
import { DigestMismatchError } from "../oci/digest.js";

/** One repository's content as an export reads it: tags, manifests by digest, blobs as streams. */
export interface ArtifactSource {
  readonly location: string;
  resolve(tag: string): Promise<Descriptor | undefined>;
  fetchManifest(digest: string): Promise<FetchedManifest>;
  openBlob(descriptor: Descriptor): Promise<AsyncIterable<Uint8Array>>;
}

/** A registry repository named by the lock (`docker.io/x` is asked at registry-1.docker.io under library/). */
export function registrySource(registries: ReferenceRegistries, host: string, repository: string): ArtifactSource {
  const endpoint = registryEndpoint(host, repository);
  const client = registries.client(endpoint.host);
  const repo = client.repository(endpoint.repository);
  return {
    location: repo.location,
    resolve: (tag) => repo.resolve(tag),
    fetchManifest: (digest) => repo.fetchManifest(digest),
    openBlob: (descriptor) => openRegistryBlob(client, endpoint.repository, descriptor),
  };
}

/** A repository of the release store: small artifacts, so a registry blob is read whole; a layout streams. */
export function storeSource(repository: ContentRepository): ArtifactSource {
  return {
    location: repository.location,
    resolve: (tag) => repository.resolve(tag),
    fetchManifest: (digest) => repository.fetchManifest(digest),
    openBlob: async (descriptor) => {
      if (repository instanceof OciLayoutRepository) return repository.openBlob(descriptor.digest, descriptor.size);
      if (repository instanceof RegistryRepository) {
        const data = await repository.fetchBlob(descriptor.digest, descriptor.size);
        return (async function* () {
          yield data;
        })();
      }
      throw new Error(`cannot read blobs of ${repository.location}`);
    },
  };
}

/** A mirror OCI layout: one layout, entries named by full reference (`host/path:tag`). */
export class MirrorLayout {
  readonly blobs: LayoutBlobStore;
  private index: IndexDocument | undefined;

  constructor(readonly dir: string) {
    this.dir = resolve(dir);
    this.blobs = new LayoutBlobStore(this.dir);
  }

  private async entries(): Promise<IndexDocument> {
    if (this.index) return this.index;
    const path = join(this.dir, INDEX_FILE);
    const text = await readFile(path, "utf8").catch(() => {
      throw new InvalidArtifactError(`${this.dir} is not an OCI image layout: ${INDEX_FILE} cannot be read`);
    });
    this.index = parseIndex(text, path);
    return this.index;
  }

  /** The source for `name` (`host/path`) inside the mirror. */
  source(name: string): ArtifactSource {
    const location = `oci-layout:${this.dir}:${name}`;
    return {
      location,
      resolve: async (tag) => {
        const entry = (await this.entries()).manifests.find((candidate) => refNameOf(candidate) === `${name}:${tag}`);
        return entry ? { mediaType: entry.mediaType, digest: entry.digest, size: entry.size } : undefined;
      },
      fetchManifest: async (digest) => {
        const size = await this.blobs.sizeOf(digest);
        if (size === undefined) throw new InvalidArtifactError(`manifest ${digest} not found in ${location}`);
        if (size > MAX_MANIFEST_BYTES) throw new InvalidArtifactError(`manifest ${digest} in ${location} is ${size} bytes, over the ceiling of ${MAX_MANIFEST_BYTES}`);
        const bytes = (await this.blobs.read(digest, size, `manifest ${digest} in ${location}`))!;
        const actual = sha256Digest(bytes);
        if (actual !== digest) throw new DigestMismatchError(`manifest ${digest} in ${location}`, digest, actual);
        const mediaType = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown }).mediaType;
        const entry = (await this.entries()).manifests.find((candidate) => candidate.digest === digest);
        const type = entry?.mediaType ?? (typeof mediaType === "string" ? mediaType : undefined);
        if (type === undefined) throw new InvalidArtifactError(`manifest ${digest} in ${location} has no media type`);
        return { descriptor: { mediaType: type, digest, size }, bytes };
      },
      openBlob: async (descriptor) => {
        const size = await this.blobs.sizeOf(descriptor.digest);
        if (size === undefined) throw new InvalidArtifactError(`blob ${descriptor.digest} not found in ${location}`);
        if (size !== descriptor.size) throw new DigestMismatchError(`blob ${descriptor.digest} in ${location}`, { digest: descriptor.digest, size: descriptor.size }, { size });
        return this.blobs.stream(descriptor.digest);
      },
    };
  }
}
