/**
 * An OCI image manifest read from a registry, a layout or an archive is untrusted JSON: it is
 * parsed with a schema into a typed value before any reader uses its descriptors (promote reads
 * every layer's size and digest; a copy walks them). Anything else is refused with an
 * InvalidArtifactError naming the field. Unknown fields are kept: the bytes, not this value, are
 * what is stored and hashed.
 */
import { z } from "zod";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { OCI_IMAGE_MANIFEST } from "./media-types.js";
import type { ImageManifest } from "./types.js";

const Annotations = z.record(z.string(), z.string());

const Descriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  artifactType: z.string().optional(),
  annotations: Annotations.optional(),
});

const ImageManifestJson = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(OCI_IMAGE_MANIFEST),
  artifactType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor),
  subject: Descriptor.optional(),
  annotations: Annotations.optional(),
});

/** Parses manifest bytes as an OCI image manifest, refusing anything else. */
export function parseImageManifest(bytes: Uint8Array, what: string): ImageManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new InvalidArtifactError(`${what}: the manifest is not JSON`);
  }
  const parsed = ImageManifestJson.safeParse(json);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const [field, index] = issue?.path ?? [];
  if (field === "schemaVersion" || field === "mediaType" || (issue?.path.length ?? 0) === 0) {
    const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
    const found = typeof mediaType === "string" ? `its mediaType is ${mediaType}` : "it has no mediaType";
    throw new InvalidArtifactError(`${what}: not an OCI image manifest (${found}; expected schemaVersion 2 and mediaType ${OCI_IMAGE_MANIFEST})`);
  }
  // A descriptor (config, subject, layers[i]) or one of its fields: name the descriptor.
  const name = field === "layers" && typeof index === "number" ? `layers[${index}]` : String(field);
  const detail = field === "layers" && typeof index !== "number" ? "layers is not a list of descriptors" : `${name} is not a descriptor (mediaType, digest and size)`;
  throw new InvalidArtifactError(`${what}: ${field === "annotations" ? "annotations are not a map of strings" : detail}`);
}
