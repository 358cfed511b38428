/**
 * The index of an OCI image layout (`index.json`): its entries, and how tags live in it
 * (`org.opencontainers.image.ref.name` annotations).
 *
 * Reproducibility: index.json is serialized with a fixed key order (the spec's field order for
 * the index and its descriptors, other keys sorted), 2-space indentation and a trailing newline,
 * entries sorted by ref name then digest, so the same pushes give the same bytes.
 *
 * Manifests stay reachable: one pushed by digest alone gets an index entry without a ref
 * name, and when a tag moves away from a manifest that nothing else references, that
 * manifest keeps an untagged entry (as a registry would keep it addressable by digest).
 */
import { assertDigest } from "./digest.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { DIGEST_REFERENCE_PATTERN, TAG_PATTERN } from "./registry-reference.js";
import { ANNOTATION_REF_NAME } from "./annotations.js";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "./media-types.js";
import type { Descriptor } from "./types.js";

export const INDEX_FILE = "index.json";
// Any registered-looking digest may appear in a foreign index.json; only sha256 is fetched.
const ANY_DIGEST = DIGEST_REFERENCE_PATTERN;
const TAG = TAG_PATTERN;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** An index.json descriptor; fields this code does not know (platform, urls, ...) are kept as read. */
export interface IndexEntry extends JsonObject {
  mediaType: string;
  digest: string;
  size: number;
}

export interface IndexDocument {
  /** Top-level fields other than schemaVersion/mediaType/manifests, kept as read. */
  readonly extra: JsonObject;
  readonly manifests: IndexEntry[];
}

export type ParsedReference = { kind: "tag"; value: string } | { kind: "digest"; value: string };

/** The digests a manifest (image manifest or index) references; other media types reference none. */
export function referencedDigests(bytes: Uint8Array, mediaType: string, what: string): string[] {
  if (mediaType !== OCI_IMAGE_MANIFEST && mediaType !== OCI_IMAGE_INDEX) return [];
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new InvalidArtifactError(`${what} is not valid JSON`);
  }
  const referenced: unknown[] = [];
  if (isObject(manifest)) {
    if (mediaType === OCI_IMAGE_MANIFEST) referenced.push(manifest.config, ...(Array.isArray(manifest.layers) ? manifest.layers : []));
    else referenced.push(...(Array.isArray(manifest.manifests) ? manifest.manifests : []));
  }
  return referenced.map((descriptor) => {
    const digest = isObject(descriptor) ? descriptor.digest : undefined;
    if (typeof digest !== "string" || !ANY_DIGEST.test(digest)) throw new InvalidArtifactError(`${what} has a descriptor without a valid digest`);
    return digest;
  });
}

export function parseReference(reference: string): ParsedReference {
  if (reference.includes(":")) return { kind: "digest", value: assertDigest(reference, "reference") };
  if (!TAG.test(reference)) {
    throw new Error(`"${reference}" is neither a tag (letters, digits, . _ -, at most 128) nor a sha256 digest`);
  }
  return { kind: "tag", value: reference };
}

export function refNameOf(entry: IndexEntry): string | undefined {
  const annotations = entry.annotations;
  if (!isObject(annotations)) return undefined;
  const name = annotations[ANNOTATION_REF_NAME];
  return typeof name === "string" ? name : undefined;
}

/** The entry as a repository-neutral descriptor: the layout-only ref name is dropped. */
export function toDescriptor(entry: IndexEntry): Descriptor {
  const annotations: Record<string, string> = {};
  if (isObject(entry.annotations)) {
    for (const [key, value] of Object.entries(entry.annotations)) {
      if (key !== ANNOTATION_REF_NAME && typeof value === "string") annotations[key] = value;
    }
  }
  return {
    mediaType: entry.mediaType,
    digest: entry.digest,
    size: entry.size,
    ...(typeof entry.artifactType === "string" ? { artifactType: entry.artifactType } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

function withoutRefName(entry: IndexEntry): IndexEntry {
  const copy: IndexEntry = { ...entry };
  if (isObject(entry.annotations)) {
    const annotations = { ...entry.annotations };
    delete annotations[ANNOTATION_REF_NAME];
    if (Object.keys(annotations).length > 0) copy.annotations = annotations;
    else delete copy.annotations;
  }
  return copy;
}

/** Points `tag` at `descriptor`; a manifest the tag leaves behind stays reachable untagged. */
export function retag(manifests: readonly IndexEntry[], descriptor: Descriptor, tag: string): IndexEntry[] {
  const previous = manifests.filter((entry) => refNameOf(entry) === tag);
  const kept = manifests.filter(
    (entry) => refNameOf(entry) !== tag && !(entry.digest === descriptor.digest && refNameOf(entry) === undefined),
  );
  const next: IndexEntry[] = [
    ...kept,
    { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size, annotations: { [ANNOTATION_REF_NAME]: tag } },
  ];
  for (const old of previous) {
    if (!next.some((entry) => entry.digest === old.digest)) next.push(withoutRefName(old));
  }
  return next;
}

export function addUntagged(manifests: readonly IndexEntry[], descriptor: Descriptor): IndexEntry[] {
  if (manifests.some((entry) => entry.digest === descriptor.digest)) return [...manifests];
  return [...manifests, { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }];
}

export function parseIndex(text: string, path: string): IndexDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArtifactError(`${path} is not valid JSON`);
  }
  if (!isObject(parsed) || parsed.schemaVersion !== 2 || !Array.isArray(parsed.manifests)) {
    throw new InvalidArtifactError(`${path} is not an OCI image index (schemaVersion 2 with a manifests array)`);
  }
  if (parsed.mediaType !== undefined && parsed.mediaType !== OCI_IMAGE_INDEX) {
    throw new InvalidArtifactError(`${path} has media type ${JSON.stringify(parsed.mediaType)}, expected ${OCI_IMAGE_INDEX}`);
  }
  const manifests = parsed.manifests.map((entry, position): IndexEntry => {
    if (
      !isObject(entry) ||
      typeof entry.mediaType !== "string" ||
      typeof entry.digest !== "string" ||
      !ANY_DIGEST.test(entry.digest) ||
      typeof entry.size !== "number" ||
      !Number.isSafeInteger(entry.size) ||
      entry.size < 0
    ) {
      throw new InvalidArtifactError(`${path}: manifests[${position}] is not a valid descriptor`);
    }
    return { ...entry, mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  });
  const extra: JsonObject = { ...parsed };
  delete extra.schemaVersion;
  delete extra.mediaType;
  delete extra.manifests;
  return { extra, manifests };
}

const DESCRIPTOR_KEY_ORDER = ["mediaType", "artifactType", "digest", "size", "urls", "annotations", "platform"];
const INDEX_KEY_ORDER = ["schemaVersion", "mediaType", "artifactType", "subject", "manifests", "annotations"];

/** Deterministic bytes for a given set of entries: sorted entries, fixed key order, 2 spaces, final newline. */
export function serializeIndex(index: IndexDocument): string {
  const manifests = dedupe(index.manifests).sort(compareEntries);
  const document = orderKeys({ ...index.extra, schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests }, INDEX_KEY_ORDER, { manifests: DESCRIPTOR_KEY_ORDER });
  return `${JSON.stringify(document, null, 2)}\n`;
}

function dedupe(entries: readonly IndexEntry[]): IndexEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = `${refNameOf(entry) ?? ""}\n${entry.digest}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return compareUtf8(refNameOf(a) ?? "", refNameOf(b) ?? "") || compareUtf8(a.digest, b.digest);
}

/**
 * `preferred` keys first in that order, the rest sorted; the objects of the arrays named in
 * `arrays` get that key order; any other nested object gets sorted keys.
 */
function orderKeys(object: JsonObject, preferred: readonly string[], arrays: Readonly<Record<string, readonly string[]>> = {}): JsonObject {
  const out: JsonObject = {};
  const rest = Object.keys(object)
    .filter((key) => !preferred.includes(key))
    .sort(compareUtf8);
  for (const key of [...preferred, ...rest]) {
    const value = object[key];
    if (value === undefined) continue;
    const order = arrays[key];
    out[key] = order && Array.isArray(value) ? value.map((item) => (isObject(item) ? orderKeys(item, order) : canonical(item))) : canonical(value);
  }
  return out;
}

function canonical(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonical);
  if (isObject(value)) return orderKeys(value, []);
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const utf8 = new TextEncoder();

export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b));
}

