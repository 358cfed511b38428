/**
 * Reads and verifies a whole archive before anything of it is used: every blob is hashed against
 * its name, every manifest reachable from index.json is parsed and must find what it references
 * (in the archive, or — for a delta — at the destination, checked by import), declared sizes must
 * be the sizes present and within their ceilings, and every reference is named once. Only then
 * does import write anything.
 */
import { open } from "node:fs/promises";
import { CHANNELS_REPOSITORY } from "../manifest/build-release-manifest.js";
import { ANNOTATION_REF_NAME } from "../oci/annotations.js";
import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import { parseIndex } from "../oci/layout-index.js";
import { OCI_LAYOUT_VERSION } from "../oci/layout.js";
import { assertWithinCeiling, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES } from "../oci/limits.js";
import { DIGEST_TAG_PATTERN } from "../oci/registry-reference.js";
import type { Descriptor } from "../oci/types.js";
import { listArchive, type ArchiveFileEntry } from "./archive-tar.js";
import { parseArchiveReference } from "./archive-reference.js";
import { INDEX_TYPES, MANIFEST_TYPES, platformMatches } from "./export-plan.js";
import { ByteProgress } from "../progress.js";
import { hashFileRanges } from "./parallel-hash.js";
import { ANNOTATION_CONTAINERD_IMAGE_NAME, ANNOTATION_PLATFORMS, ANNOTATION_RELEASE, ANNOTATION_ROLE, ANNOTATION_SINCE, ROLES, type ArchiveRole } from "./vocabulary.js";

export interface ArchiveEntry {
  readonly reference: string;
  readonly role: ArchiveRole;
  readonly descriptor: Descriptor;
}

export interface VerifiedArchive {
  readonly file: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly release: string | undefined;
  readonly since: string | undefined;
  readonly entries: readonly ArchiveEntry[];
  /** Every blob file of the archive, verified, by digest. */
  readonly blobs: ReadonlyMap<string, ArchiveFileEntry>;
  /** Every manifest reachable from index.json that the archive holds: bytes and media type. */
  readonly manifests: ReadonlyMap<string, { readonly descriptor: Descriptor; readonly bytes: Uint8Array; readonly index: boolean; readonly children: readonly Descriptor[] }>;
  /** Referenced but left out: a delta's base content, which must already be at the destination. */
  readonly baseContent: ReadonlyMap<string, Descriptor & { readonly manifest: boolean }>;
}

export interface VerifyOptions {
  readonly layerCeiling: number;
  readonly progress?: (line: string) => void;
  readonly terminal?: boolean;
  readonly now?: () => number;
}

/** Release versions start with a digit, channels with a letter (schemas/common.ts). */
const VERSION_TAG = /^[0-9]/;
/** A statement's history tag (src/distribution/channel-statements.ts historyTag): never a channel's own tag. */
export const STATEMENT_HISTORY_TAG = /^([1-9][0-9]*)-([a-zA-Z].*)$/;

function refuse(file: string, message: string): never {
  throw new InvalidArtifactError(`${file}: ${message}; nothing was imported`);
}

export async function readRange(file: string, entry: ArchiveFileEntry): Promise<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const data = new Uint8Array(entry.size);
    let done = 0;
    while (done < entry.size) {
      const { bytesRead } = await handle.read(data, done, entry.size - done, entry.offset + done);
      if (bytesRead === 0) throw new InvalidArtifactError(`${file}: unexpected end of archive`);
      done += bytesRead;
    }
    return data;
  } finally {
    await handle.close();
  }
}

/** Bytes read at a time from the archive. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * An entry's bytes as chunks read into one buffer that is reused: each chunk is valid only until
 * the next one is asked for (every consumer here hashes, copies or writes a chunk before asking for
 * the next), so streaming a multi-gigabyte archive leaves no garbage and memory stays flat.
 */
export async function* streamRange(file: string, entry: ArchiveFileEntry, chunkBytes = READ_CHUNK_BYTES): AsyncIterable<Uint8Array> {
  if (entry.size === 0) return;
  const handle = await open(file, "r");
  try {
    const buffer = new Uint8Array(Math.min(chunkBytes, entry.size));
    for (let done = 0; done < entry.size; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.byteLength, entry.size - done), entry.offset + done);
      if (bytesRead === 0) throw new InvalidArtifactError(`${file}: unexpected end of archive`);
      done += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

export async function verifyArchive(file: string, options: VerifyOptions): Promise<VerifiedArchive> {
  const { entries: files } = await listArchive(file);
  const marker = files.get("oci-layout");
  const indexFile = files.get("index.json");
  if (marker === undefined || indexFile === undefined) refuse(file, "not an OCI image layout archive (oci-layout and index.json are required)");
  if (marker.size > 1024 || indexFile.size > MAX_MANIFEST_BYTES) refuse(file, "oci-layout or index.json is too large");
  let version: unknown;
  try {
    version = (JSON.parse(new TextDecoder().decode(await readRange(file, marker))) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    refuse(file, "oci-layout is not JSON");
  }
  if (version !== OCI_LAYOUT_VERSION) refuse(file, `unsupported imageLayoutVersion ${JSON.stringify(version)}`);
  const index = parseIndex(new TextDecoder().decode(await readRange(file, indexFile)), `${file}: index.json`);
  const annotations: Record<string, string> = {};
  const rawAnnotations = index.extra.annotations;
  if (rawAnnotations && typeof rawAnnotations === "object" && !Array.isArray(rawAnnotations)) {
    for (const [key, value] of Object.entries(rawAnnotations)) if (typeof value === "string") annotations[key] = value;
  }
  const platforms = (annotations[ANNOTATION_PLATFORMS] ?? "").split(",").filter(Boolean);
  const since = annotations[ANNOTATION_SINCE];

  // Names: each reference once, each with a known role.
  const entries: ArchiveEntry[] = [];
  const seen = new Set<string>();
  for (const [position, entry] of index.manifests.entries()) {
    const reference = (entry.annotations as Record<string, unknown> | undefined)?.[ANNOTATION_REF_NAME];
    const role = (entry.annotations as Record<string, unknown> | undefined)?.[ANNOTATION_ROLE];
    if (typeof reference !== "string") refuse(file, `index.json manifests[${position}] has no ${ANNOTATION_REF_NAME}`);
    if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) refuse(file, `index.json entry "${reference}" has no valid ${ANNOTATION_ROLE}`);
    let parsed;
    try {
      parsed = parseArchiveReference(reference);
    } catch (error) {
      refuse(file, `index.json entry: ${(error as Error).message}`);
    }
    // Where an entry may point: images and charts at a registry host; the release store's entries
    // (no host) at version tags or signature tags only, so an archive cannot move a channel by itself.
    if ((role === "image" || role === "chart") && parsed.host === undefined) refuse(file, `index.json entry "${reference}" (${role}) names no registry host`);
    if ((role === "release" || role === "config") && (parsed.host !== undefined || (parsed.tag !== undefined && !VERSION_TAG.test(parsed.tag)))) {
      refuse(file, `index.json entry "${reference}" (${role}) must be a version tag of the release store`);
    }
    if (role === "statement" && (parsed.host !== undefined || parsed.repository !== CHANNELS_REPOSITORY || parsed.tag === undefined || !STATEMENT_HISTORY_TAG.test(parsed.tag))) {
      refuse(file, `index.json entry "${reference}" (statement) must be a ${CHANNELS_REPOSITORY}:<sequence>-<channel> tag`);
    }
    if (role === "signature" && (parsed.tag === undefined || !DIGEST_TAG_PATTERN.test(parsed.tag) || parsed.tag.endsWith(".att") || parsed.tag.endsWith(".sbom"))) {
      refuse(file, `index.json entry "${reference}" (signature) must be a sha256-<hex>.sig or sha256-<hex> tag`);
    }
    if (seen.has(reference)) refuse(file, `index.json names "${reference}" twice; refusing an ambiguous archive`);
    seen.add(reference);
    const containerdName = (entry.annotations as Record<string, unknown> | undefined)?.[ANNOTATION_CONTAINERD_IMAGE_NAME];
    if (containerdName !== undefined && containerdName !== reference) refuse(file, `index.json entry "${reference}" is named "${String(containerdName)}" for containerd; both names must be the same`);
    entries.push({ reference, role: role as ArchiveRole, descriptor: { mediaType: entry.mediaType, digest: entry.digest, size: entry.size } });
  }

  // Every blob's bytes against its name.
  const blobs = new Map<string, ArchiveFileEntry>();
  let total = 0;
  for (const [path, entry] of files) if (path.startsWith("blobs/")) total += entry.size;
  const progress = new ByteProgress({ total, write: options.progress ?? (() => {}), terminal: options.terminal ?? false, ...(options.now ? { now: options.now } : {}) });
  // Hashed on worker threads, several blobs at once (parallel-hash.ts); refused in tar order.
  const blobFiles = [...files].filter(([path]) => path.startsWith("blobs/"));
  let hashed: string[];
  try {
    hashed = await hashFileRanges(file, blobFiles.map(([, entry]) => entry), (bytes) => progress.add(bytes));
  } catch (error) {
    refuse(file, (error as Error).message);
  }
  for (const [position, [path, entry]] of blobFiles.entries()) {
    const digest = `sha256:${path.slice("blobs/sha256/".length)}`;
    const actual = hashed[position]!;
    if (actual !== digest) refuse(file, `blob ${digest} holds bytes hashing to ${actual}`);
    blobs.set(digest, entry);
  }

  // Manifests: what they reference must be present with the declared size (or be a delta's base).
  const manifests = new Map<string, { descriptor: Descriptor; bytes: Uint8Array; index: boolean; children: Descriptor[] }>();
  const baseContent = new Map<string, Descriptor & { manifest: boolean }>();
  const absent = (descriptor: Descriptor, manifest: boolean, what: string) => {
    if (since === undefined) refuse(file, `${what} names ${descriptor.digest}, which the archive does not hold`);
    baseContent.set(descriptor.digest, { ...descriptor, manifest });
  };
  const checkSize = (descriptor: Descriptor, what: string) => {
    const present = blobs.get(descriptor.digest);
    if (present && present.size !== descriptor.size) refuse(file, `${what} declares ${descriptor.digest} as ${descriptor.size} bytes, but the archive holds ${present.size}`);
  };
  const visit = async (descriptor: Descriptor, what: string): Promise<void> => {
    if (manifests.has(descriptor.digest) || baseContent.has(descriptor.digest)) return;
    assertWithinCeiling(descriptor, MAX_MANIFEST_BYTES, `${file}: ${what}: manifest`);
    checkSize(descriptor, what);
    const present = blobs.get(descriptor.digest);
    if (present === undefined) return absent(descriptor, true, what);
    const bytes = await readRange(file, present);
    let parsed: { manifests?: unknown; config?: unknown; layers?: unknown; mediaType?: unknown };
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      refuse(file, `${what}: manifest ${descriptor.digest} is not JSON`);
    }
    if (typeof parsed.mediaType === "string" && parsed.mediaType !== descriptor.mediaType) refuse(file, `${what}: manifest ${descriptor.digest} is ${parsed.mediaType}, not the ${descriptor.mediaType} its descriptor says`);
    const children: Descriptor[] = [];
    manifests.set(descriptor.digest, { descriptor, bytes, index: INDEX_TYPES.has(descriptor.mediaType), children });
    const asDescriptor = (value: unknown, field: string): Descriptor => {
      const d = value as Descriptor;
      if (typeof d !== "object" || d === null || typeof d.digest !== "string" || typeof d.mediaType !== "string" || !Number.isSafeInteger(d.size) || d.size < 0) {
        refuse(file, `${what}: manifest ${descriptor.digest}: ${field} is not a descriptor`);
      }
      return { mediaType: d.mediaType, digest: d.digest, size: d.size };
    };
    if (INDEX_TYPES.has(descriptor.mediaType)) {
      const list = Array.isArray(parsed.manifests) ? parsed.manifests : [];
      for (const [i, raw] of list.entries()) {
        const child = asDescriptor(raw, `manifests[${i}]`);
        const platform = (raw as { platform?: { os?: unknown; architecture?: unknown } }).platform;
        // Platforms not chosen at export are not in the archive, by design.
        if (!blobs.has(child.digest) && platform !== undefined && !platformMatches(platform, platforms)) continue;
        children.push(child);
        await visit(child, what);
      }
    } else if (MANIFEST_TYPES.has(descriptor.mediaType)) {
      const config = asDescriptor(parsed.config, "config");
      assertWithinCeiling(config, MAX_CONFIG_BYTES, `${file}: ${what}: config`);
      checkSize(config, what);
      children.push(config);
      if (!blobs.has(config.digest)) absent(config, false, `${what}: manifest ${descriptor.digest}`);
      const layers = Array.isArray(parsed.layers) ? parsed.layers : [];
      for (const [i, raw] of layers.entries()) {
        const layer = asDescriptor(raw, `layers[${i}]`);
        assertWithinCeiling(layer, options.layerCeiling, `${file}: ${what}: layer`);
        checkSize(layer, what);
        children.push(layer);
        if (!blobs.has(layer.digest)) absent(layer, false, `${what}: manifest ${descriptor.digest}`);
      }
    } else {
      refuse(file, `${what}: manifest ${descriptor.digest} has media type ${descriptor.mediaType}, which an archive cannot carry`);
    }
  };
  for (const entry of entries) await visit(entry.descriptor, `"${entry.reference}"`);
  return { file, annotations, release: annotations[ANNOTATION_RELEASE], since, entries, blobs, manifests, baseContent };
}
