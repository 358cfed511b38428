import { sha256Digest } from "./digest.js";
import { OCI_IMAGE_MANIFEST } from "./media-types.js";
import type { Descriptor, ImageManifest } from "./types.js";

/** A blob together with the descriptor that addresses it. */
export interface Blob {
  readonly descriptor: Descriptor;
  readonly data: Uint8Array;
}

/** An artifact ready to copy: its manifest bytes and every blob it references. */
export interface BuiltArtifact {
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
}

export interface ArtifactInput {
  readonly artifactType?: string;
  readonly config: { readonly mediaType: string; readonly data: Uint8Array };
  readonly layers: readonly { readonly mediaType: string; readonly data: Uint8Array; readonly annotations?: Record<string, string> }[];
  readonly annotations?: Record<string, string>;
}

/** Describes `data` with `mediaType`. */
export function blobOf(mediaType: string, data: Uint8Array, annotations?: Record<string, string>): Blob {
  return {
    descriptor: { mediaType, digest: sha256Digest(data), size: data.byteLength, ...(annotations ? { annotations: sortedRecord(annotations) } : {}) },
    data,
  };
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Builds an OCI image manifest. Field order and annotation order are fixed and the JSON is
 * compact, so the same input always gives the same manifest digest.
 */
export function buildArtifact(input: ArtifactInput): BuiltArtifact {
  const config = blobOf(input.config.mediaType, input.config.data);
  const layers = input.layers.map((layer) => blobOf(layer.mediaType, layer.data, layer.annotations));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    ...(input.artifactType ? { artifactType: input.artifactType } : {}),
    config: config.descriptor,
    layers: layers.map((layer) => layer.descriptor),
    ...(input.annotations ? { annotations: sortedRecord(input.annotations) } : {}),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return { manifest: blobOf(OCI_IMAGE_MANIFEST, bytes), config, layers };
}
