/**
 * One repository of a single OCI image layout whose index.json names content by full reference
 * (`org.opencontainers.image.ref.name` = `<repository>:<tag>`, as skopeo's `oci:DIR:REF`, containerd
 * and an offline archive name it), seen as a read-only ContentRepository: tag `t` of repository
 * `name` is the entry named `name:t`; a digest is any manifest blob of the layout. Every read is
 * verified against its digest, as OciLayoutRepository's are.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { assertDigest, isDigest, sha256Digest, verifyContent } from "./digest.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { LayoutBlobStore } from "./layout-blob-store.js";
import { ignoreMissing } from "./layout-files.js";
import { INDEX_FILE, parseIndex, refNameOf, toDescriptor, compareUtf8 } from "./layout-index.js";
import { MAX_MANIFEST_BYTES } from "./limits.js";
import { NotFoundError } from "./not-found-error.js";
import type { ContentRepository, Descriptor, FetchedManifest } from "./types.js";

export class LayoutReferenceView implements ContentRepository {
  readonly location: string;
  private readonly blobs: LayoutBlobStore;
  private readonly dir: string;

  constructor(
    dir: string,
    private readonly name: string,
  ) {
    this.dir = resolve(dir);
    this.location = `${this.dir}:${name}`;
    this.blobs = new LayoutBlobStore(this.dir);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return this.blobs.has(assertDigest(digest));
  }

  async pushBlob(): Promise<boolean> {
    throw this.readOnly();
  }

  async pushManifest(): Promise<Descriptor> {
    throw this.readOnly();
  }

  async fetchBlob(digest: string, size?: number): Promise<Uint8Array> {
    assertDigest(digest);
    const data = await this.blobs.read(digest, size, `blob ${digest} in ${this.location}`);
    if (data === undefined) throw new NotFoundError("blob", digest, this.location);
    return verifyContent(data, digest, `blob ${digest} in ${this.location}`, size);
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    if (isDigest(reference)) {
      const named = (await this.entries()).find((entry) => entry.digest === reference);
      if (named) return toDescriptor(named);
      // A manifest reached by digest only (an index's child): its media type is in its own bytes.
      const bytes = await this.blobs.read(reference, undefined, `manifest ${reference} in ${this.location}`).catch(() => undefined);
      if (bytes === undefined || bytes.byteLength > MAX_MANIFEST_BYTES || sha256Digest(bytes) !== reference) return undefined;
      let mediaType: unknown;
      try {
        mediaType = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown }).mediaType;
      } catch {
        return undefined;
      }
      return typeof mediaType === "string" ? { mediaType, digest: reference, size: bytes.byteLength } : undefined;
    }
    const entry = (await this.entries()).find((candidate) => refNameOf(candidate) === `${this.name}:${reference}`);
    return entry === undefined ? undefined : toDescriptor(entry);
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const descriptor = await this.resolve(reference);
    if (descriptor === undefined) throw new NotFoundError("manifest", reference, this.location);
    if (descriptor.size > MAX_MANIFEST_BYTES) throw new InvalidArtifactError(`manifest "${reference}" in ${this.location} is described as ${descriptor.size} bytes, over the ceiling of ${MAX_MANIFEST_BYTES} bytes`);
    return { descriptor, bytes: await this.fetchBlob(descriptor.digest, descriptor.size) };
  }

  async listTags(): Promise<string[]> {
    const prefix = `${this.name}:`;
    const tags = new Set<string>();
    for (const entry of await this.entries()) {
      const name = refNameOf(entry);
      if (name?.startsWith(prefix) && !name.slice(prefix.length).includes("/")) tags.add(name.slice(prefix.length));
    }
    return [...tags].sort(compareUtf8);
  }

  private async entries() {
    const path = join(this.dir, INDEX_FILE);
    const text = await readFile(path, "utf8").catch(ignoreMissing);
    return text === undefined ? [] : parseIndex(text, path).manifests;
  }

  private readOnly(): Error {
    return new InvalidArtifactError(`${this.dir} is one OCI image layout named by full references (what airgap import --oci-layout writes): read-only here; publish and promote write a release store of one layout per repository`);
  }
}
