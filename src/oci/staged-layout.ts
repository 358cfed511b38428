/**
 * A layout written in one go into a private staging directory (synth's `dist/<version>/oci/`):
 * synchronous, without a lock, fsyncs or temp-file renames, since nobody else can see it while it
 * is written and the caller moves it into place (and makes it durable) as a whole.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { assertDigest, sha256Digest, verifyContent } from "./digest.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { DIRECTORY_MODE, FILE_MODE } from "./layout-files.js";
import { INDEX_FILE, referencedDigests, retag, serializeIndex } from "./layout-index.js";
import { OCI_LAYOUT_FILE, OCI_LAYOUT_VERSION, openLayoutRepository } from "./layout.js";
import { TAG_PATTERN } from "./registry-reference.js";
import type { Descriptor } from "./types.js";

/** One artifact for writeStagedLayout: its blobs (config and layers) and its manifest. */
export interface StagedArtifact {
  readonly blobs: readonly { readonly descriptor: Descriptor; readonly data: Uint8Array }[];
  readonly manifest: { readonly data: Uint8Array; readonly mediaType: string };
}

/**
 * Writes a new layout for `repositoryName` under `rootDir` holding one artifact tagged `tag`: the
 * same files, bytes and modes that pushing it into an empty shared layout gives. The layout must
 * not exist yet. Blob bytes are checked against their descriptors, and the manifest's blobs must
 * be among them.
 */
export function writeStagedLayout(rootDir: string, repositoryName: string, artifact: StagedArtifact, tag: string): Descriptor {
  if (!TAG_PATTERN.test(tag)) throw new Error(`"${tag}" is not a valid tag`);
  const layoutDir = openLayoutRepository(rootDir, repositoryName).layoutDir;
  const manifestDigest = sha256Digest(artifact.manifest.data);
  const referenced = referencedDigests(artifact.manifest.data, artifact.manifest.mediaType, `manifest ${manifestDigest} staged in ${layoutDir}`);
  const present = new Set(artifact.blobs.map((blob) => blob.descriptor.digest));
  const missing = referenced.filter((digest) => !present.has(digest));
  if (missing.length > 0) throw new InvalidArtifactError(`manifest ${manifestDigest} staged in ${layoutDir} references blobs it was not given: ${missing.join(", ")}`);
  for (const blob of artifact.blobs) verifyContent(blob.data, assertDigest(blob.descriptor.digest, "blob digest"), `blob staged in ${layoutDir}`, blob.descriptor.size);

  const blobsDir = join(layoutDir, "blobs", "sha256");
  for (const dir of [dirname(layoutDir), layoutDir, join(layoutDir, "blobs"), blobsDir]) {
    // Created 0755 whatever the umask; an existing parent is left alone (as makeDirectories does).
    if (mkdirSync(dir, { recursive: true }) !== undefined) chmodSync(dir, DIRECTORY_MODE);
  }
  const writeFile = (path: string, data: Uint8Array) => {
    writeFileSync(path, data, { flag: "wx", mode: FILE_MODE });
    chmodSync(path, FILE_MODE);
  };
  const written = new Set<string>();
  for (const { digest, data } of [...artifact.blobs.map((blob) => ({ digest: blob.descriptor.digest, data: blob.data })), { digest: manifestDigest, data: artifact.manifest.data }]) {
    if (written.has(digest)) continue;
    written.add(digest);
    writeFile(join(blobsDir, digest.slice("sha256:".length)), data);
  }
  const descriptor: Descriptor = { mediaType: artifact.manifest.mediaType, digest: manifestDigest, size: artifact.manifest.data.byteLength };
  writeFile(join(layoutDir, INDEX_FILE), new TextEncoder().encode(serializeIndex({ extra: {}, manifests: retag([], descriptor, tag) })));
  writeFile(join(layoutDir, OCI_LAYOUT_FILE), new TextEncoder().encode(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })));
  return descriptor;
}
