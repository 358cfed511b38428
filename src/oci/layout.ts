/**
 * An OCI image layout (image-spec `image-layout.md`) used as a ContentRepository.
 *
 * Repository `name` under `rootDir` is the layout directory `<rootDir>/<name>/`, so tools
 * can address it as `--oci-layout <rootDir>/<name>:<tag>`. Tags are `index.json` entries
 * annotated with `org.opencontainers.image.ref.name`.
 *
 * Reproducibility: index.json is serialized with a fixed key order (the spec's field order for
 * the index and its descriptors, other keys sorted), 2-space indentation and a trailing newline,
 * entries sorted by ref name then digest, so the same pushes give the same bytes. Crash safety: every file is written to a temp file in its own directory,
 * fsynced and renamed over the target, so a reader sees the old or the new file, never a
 * torn one, and a blob file always hashes to its name; index.json only changes after the
 * blobs it references are in place.
 *
 * Concurrent writers (two publishes into one layout) take a lock file beside the layout directory
 * (`<layout>.lock`, see src/fs/lock-file.ts) around creating the layout and around every
 * read-modify-write of index.json, so no tag is lost. The layout itself appears all at once
 * (built in a temporary sibling and renamed into place), so a reader never meets a directory
 * without its `oci-layout` marker. Readers take no lock: every file is replaced atomically.
 *
 * Manifests stay reachable: one pushed by digest alone gets an index entry without a ref
 * name, and when a tag moves away from a manifest that nothing else references, that
 * manifest keeps an untagged entry (as a registry would keep it addressable by digest).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { withLockFile } from "../fs/lock-file.js";
import { syncDirectory } from "../fs/sync-directory.js";
import type { Deadline } from "./deadline.js";
import { assertDigest, DigestMismatchError, sha256Digest, verifyContent } from "./digest.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { MAX_MANIFEST_BYTES } from "./limits.js";
import { DIGEST_REFERENCE_PATTERN, REPOSITORY_NAME_PATTERN, TAG_PATTERN } from "./registry-reference.js";
import { TagConflictError } from "./tag-conflict-error.js";
import { ANNOTATION_REF_NAME } from "./annotations.js";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "./media-types.js";
import type { ContentRepository, Descriptor, FetchedManifest, PushManifestOptions } from "./types.js";

export const OCI_LAYOUT_VERSION = "1.0.0";

const OCI_LAYOUT_FILE = "oci-layout";
const INDEX_FILE = "index.json";
const DIRECTORY_MODE = 0o755;
const FILE_MODE = 0o644;
// The repository name grammar also keeps names from escaping rootDir. Any registered-looking
// digest may appear in a foreign index.json; only sha256 is fetched.
const REPOSITORY_NAME = REPOSITORY_NAME_PATTERN;
const TAG = TAG_PATTERN;
const ANY_DIGEST = DIGEST_REFERENCE_PATTERN;

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** An index.json descriptor; fields this code does not know (platform, urls, ...) are kept as read. */
interface IndexEntry extends JsonObject {
  mediaType: string;
  digest: string;
  size: number;
}

interface IndexDocument {
  /** Top-level fields other than schemaVersion/mediaType/manifests, kept as read. */
  readonly extra: JsonObject;
  readonly manifests: IndexEntry[];
}

export interface LayoutOptions {
  /** The command's overall deadline: waiting for another writer's lock fits inside it. Default: none (60 s). */
  readonly deadline?: Deadline;
}

/** A writer waits this long for another writer's lock at most. */
const LOCK_WAIT_MS = 60_000;

/** Opens (without touching the disk) the layout for `repositoryName` under `rootDir`. */
/** One artifact for writeStagedLayout: its blobs (config and layers) and its manifest. */
export interface StagedArtifact {
  readonly blobs: readonly { readonly descriptor: Descriptor; readonly data: Uint8Array }[];
  readonly manifest: { readonly data: Uint8Array; readonly mediaType: string };
}

/**
 * Writes a new layout for `repositoryName` under `rootDir` holding one artifact tagged `tag`: the
 * same files, bytes and modes that pushing it into an empty shared layout gives, written
 * synchronously, without a lock, fsyncs or temp-file renames. Only for a private staging directory
 * that the caller moves into place (and makes durable) as a whole, such as synth's
 * `dist/<version>/oci/`: nobody else can see it while it is written. The layout must not exist yet.
 * Blob bytes are checked against their descriptors, and the manifest's blobs must be among them.
 */
export function writeStagedLayout(rootDir: string, repositoryName: string, artifact: StagedArtifact, tag: string): Descriptor {
  if (!TAG.test(tag)) throw new Error(`"${tag}" is not a valid tag`);
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

export function openLayoutRepository(rootDir: string, repositoryName: string, options: LayoutOptions = {}): OciLayoutRepository {
  if (!REPOSITORY_NAME.test(repositoryName)) {
    throw new Error(`"${repositoryName}" is not a valid repository name (lowercase letters, digits, separators . _ __ - and /)`);
  }
  return new OciLayoutRepository(join(resolve(rootDir), ...repositoryName.split("/")), options);
}

export class OciLayoutRepository implements ContentRepository {
  readonly location: string;

  /** `layoutDir` is the directory holding `oci-layout`, `index.json` and `blobs/`. */
  constructor(
    readonly layoutDir: string,
    private readonly options: LayoutOptions = {},
  ) {
    this.location = layoutDir;
  }

  async hasBlob(digest: string): Promise<boolean> {
    assertDigest(digest);
    if (!(await this.readableLayoutExists())) return false;
    const info = await lstat(this.blobPath(digest)).catch(ignoreMissing);
    return info?.isFile() === true;
  }

  async pushBlob(descriptor: Descriptor, data: Uint8Array): Promise<boolean> {
    assertDigest(descriptor.digest, "blob digest");
    verifyContent(data, descriptor.digest, `blob pushed to ${this.location}`, descriptor.size);
    if (await this.markerExists()) await this.assertLayoutVersion();
    else if (this.batchIndex) await this.ensureLayout();
    else await this.locked(() => this.ensureLayout());
    // Blob files need no lock: each is content-addressed and appears by an atomic rename.
    return this.storeBlob(descriptor.digest, data);
  }

  async fetchBlob(digest: string, size?: number): Promise<Uint8Array> {
    assertDigest(digest);
    const data = await this.readBlob(digest, size);
    return verifyContent(data, digest, `blob ${digest} in ${this.location}`, size);
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    const parsed = parseReference(reference);
    const index = this.batchIndex?.index ?? (await this.readIndex());
    const entry = index.manifests.find((candidate) =>
      parsed.kind === "tag" ? refNameOf(candidate) === parsed.value : candidate.digest === parsed.value,
    );
    return entry === undefined ? undefined : toDescriptor(entry);
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const descriptor = await this.resolve(reference);
    if (descriptor === undefined) throw new InvalidArtifactError(`manifest "${reference}" not found in ${this.location}`);
    assertDigest(descriptor.digest, `digest of manifest "${reference}"`);
    if (descriptor.size > MAX_MANIFEST_BYTES) {
      throw new InvalidArtifactError(`manifest "${reference}" in ${this.location} is described as ${descriptor.size} bytes, over the ceiling of ${MAX_MANIFEST_BYTES} bytes; refusing to read it`);
    }
    const bytes = await this.readBlob(descriptor.digest, descriptor.size);
    verifyContent(bytes, descriptor.digest, `manifest "${reference}" in ${this.location}`, descriptor.size);
    return { descriptor, bytes };
  }

  async pushManifest(bytes: Uint8Array, mediaType: string, reference: string, options: PushManifestOptions = {}): Promise<Descriptor> {
    if (mediaType === "") throw new Error("a manifest needs a media type");
    const digest = sha256Digest(bytes);
    const parsed = parseReference(reference);
    if (parsed.kind === "digest" && parsed.value !== digest) {
      throw new DigestMismatchError(`manifest pushed to ${this.location} as ${reference}`, reference, digest);
    }
    const write = async () => {
      // Everything that can refuse the push runs before the first write.
      const index = this.batchIndex?.index ?? (await this.readIndexForWrite());
      await this.assertReferencedBlobsPresent(bytes, mediaType);
      if (parsed.kind === "tag" && options.ifTagIs !== undefined) {
        // Under the lock this is a true compare-and-swap: nobody moves the tag between check and write.
        const current = index.manifests.find((entry) => refNameOf(entry) === parsed.value)?.digest ?? null;
        if (current !== options.ifTagIs && current !== digest) throw new TagConflictError(`${this.location}:${parsed.value}`, options.ifTagIs, current, digest);
      }

      await this.ensureLayout();
      await this.storeBlob(digest, bytes);

      const descriptor: Descriptor = { mediaType, digest, size: bytes.byteLength };
      const manifests =
        parsed.kind === "tag" ? retag(index.manifests, descriptor, parsed.value) : addUntagged(index.manifests, descriptor);
      if (this.batchIndex) this.batchIndex = { ...this.batchIndex, index: { extra: index.extra, manifests }, dirty: true };
      else await this.writeIndex({ extra: index.extra, manifests });
      return descriptor;
    };
    // Inside a batch the lock is already held (it is not re-entrant).
    return this.batchIndex ? write() : this.locked(write);
  }

  /**
   * Runs `work` holding this layout's lock, with every index.json change it makes kept in memory
   * and written once at the end: one index.json write per repository per publish, and other
   * writers see all of a publish's tags or none. Reads inside `work` see its changes. If `work`
   * fails, index.json stays as it was (blob files already written stay, unreferenced and harmless).
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.batchIndex) return work();
    return this.locked(async () => {
      this.batchIndex = { index: await this.readIndexForWrite(), dirty: false, directoriesToSync: new Set() };
      try {
        const result = await work();
        for (const directory of this.batchIndex.directoriesToSync) await syncDirectory(directory);
        if (this.batchIndex.dirty) {
          await this.ensureLayout();
          await this.writeIndex(this.batchIndex.index);
        }
        return result;
      } finally {
        this.batchIndex = undefined;
      }
    });
  }

  /** Set while `batch` holds the lock: the index as the batch has changed it so far. */
  private batchIndex: { index: IndexDocument; dirty: boolean; readonly directoriesToSync: Set<string> } | undefined;

  /** Serializes writers of this layout across processes (see the file comment). */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await makeDirectories(dirname(this.layoutDir));
    const waitMs = Math.min(LOCK_WAIT_MS, this.options.deadline?.remainingMs() ?? LOCK_WAIT_MS);
    return withLockFile(`${this.layoutDir}.lock`, { what: `OCI image layout ${this.layoutDir}`, waitMs }, work);
  }

  private async markerExists(): Promise<boolean> {
    return (await lstat(join(this.layoutDir, OCI_LAYOUT_FILE)).catch(ignoreMissing)) !== undefined;
  }

  async listTags(): Promise<string[]> {
    const index = this.batchIndex?.index ?? (await this.readIndex());
    const tags = new Set<string>();
    for (const entry of index.manifests) {
      const tag = refNameOf(entry);
      if (tag !== undefined) tags.add(tag);
    }
    return [...tags].sort(compareUtf8);
  }

  private blobPath(digest: string): string {
    return join(this.layoutDir, "blobs", "sha256", digest.slice("sha256:".length));
  }

  /**
   * False when the layout directory does not exist yet (an empty repository); throws when
   * something is there but is not a layout this code understands.
   */
  private async readableLayoutExists(): Promise<boolean> {
    const info = await lstat(this.layoutDir).catch(ignoreMissing);
    if (info === undefined) return false;
    if (!info.isDirectory()) throw new InvalidArtifactError(`${this.layoutDir} is not an OCI image layout: it is not a directory`);
    await this.assertLayoutVersion();
    return true;
  }

  private async assertLayoutVersion(): Promise<boolean> {
    const path = join(this.layoutDir, OCI_LAYOUT_FILE);
    const text = await readFile(path, "utf8").catch(ignoreMissing);
    if (text === undefined) {
      return fail(`${this.layoutDir} is not an OCI image layout: it has no ${OCI_LAYOUT_FILE} file`);
    }
    let version: unknown;
    try {
      version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      return fail(`${path} is not valid JSON`);
    }
    if (version !== OCI_LAYOUT_VERSION) {
      return fail(`${this.layoutDir} has unsupported imageLayoutVersion ${JSON.stringify(version)} (supported: ${OCI_LAYOUT_VERSION})`);
    }
    return true;
  }

  /** Reads a blob file; one whose size is not `expectedSize` is refused before it is read. */
  private async readBlob(digest: string, expectedSize?: number): Promise<Uint8Array> {
    const missing = new InvalidArtifactError(`blob ${digest} not found in ${this.location}`);
    if (!(await this.readableLayoutExists())) throw missing;
    const info = await stat(this.blobPath(digest)).catch(ignoreMissing);
    if (info === undefined) throw missing;
    if (expectedSize !== undefined && info.size !== expectedSize) {
      throw new DigestMismatchError(`blob ${digest} in ${this.location}`, { digest, size: expectedSize }, { size: info.size });
    }
    const data = await readFile(this.blobPath(digest)).catch(ignoreMissing);
    if (data === undefined) throw missing;
    // A plain Uint8Array view, so callers comparing bytes are not tripped by Buffer's extra identity.
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Writes the blob unless a correct copy exists; a corrupt copy is replaced. */
  private async storeBlob(digest: string, data: Uint8Array): Promise<boolean> {
    const path = this.blobPath(digest);
    const existing = await readFile(path).catch(ignoreMissing);
    if (existing !== undefined && sha256Digest(existing) === digest) return false;
    await makeDirectories(dirname(path));
    // Inside a batch the blobs directory is synced once, before index.json refers to the blobs.
    await writeFileAtomic(path, data, this.batchIndex?.directoriesToSync);
    return true;
  }

  private async readIndex(): Promise<IndexDocument> {
    if (!(await this.readableLayoutExists())) return { extra: {}, manifests: [] };
    const path = join(this.layoutDir, INDEX_FILE);
    const text = await readFile(path, "utf8").catch(ignoreMissing);
    if (text === undefined) throw new InvalidArtifactError(`${this.layoutDir} is not a complete OCI image layout: ${INDEX_FILE} is missing`);
    return parseIndex(text, path);
  }

  /**
   * Like readIndex, but a directory that is not a layout yet is about to become one:
   * only a marker with an unsupported version stops the write.
   */
  private async readIndexForWrite(): Promise<IndexDocument> {
    const marker = await lstat(join(this.layoutDir, OCI_LAYOUT_FILE)).catch(ignoreMissing);
    if (marker !== undefined) return this.readIndex();
    const path = join(this.layoutDir, INDEX_FILE);
    const text = await readFile(path, "utf8").catch(ignoreMissing);
    return text === undefined ? { extra: {}, manifests: [] } : parseIndex(text, path);
  }

  private async writeIndex(index: IndexDocument): Promise<void> {
    await writeFileAtomic(join(this.layoutDir, INDEX_FILE), new TextEncoder().encode(serializeIndex(index)));
  }

  /**
   * Creates the layout skeleton (called under the lock). A new layout is built in a temporary
   * sibling and renamed into place, so it appears complete or not at all. A directory already
   * there (made by hand, or left by a crash) is completed in place: index.json is written before
   * oci-layout, so a layout marker on disk always comes with an index.
   */
  private async ensureLayout(): Promise<void> {
    if ((await lstat(this.layoutDir).catch(ignoreMissing)) === undefined) {
      await makeDirectories(dirname(this.layoutDir));
      const building = await mkdtemp(join(dirname(this.layoutDir), `.${basename(this.layoutDir)}.new-`));
      try {
        await chmod(building, DIRECTORY_MODE);
        await new OciLayoutRepository(building).ensureLayout();
        await rename(building, this.layoutDir);
        await syncDirectory(dirname(this.layoutDir));
        return;
      } catch (error) {
        await rm(building, { recursive: true, force: true });
        throw error;
      }
    }
    await makeDirectories(join(this.layoutDir, "blobs", "sha256"));
    const marker = await lstat(join(this.layoutDir, OCI_LAYOUT_FILE)).catch(ignoreMissing);
    if (marker !== undefined) {
      await this.assertLayoutVersion();
      return;
    }
    const index = await lstat(join(this.layoutDir, INDEX_FILE)).catch(ignoreMissing);
    if (index === undefined) await this.writeIndex({ extra: {}, manifests: [] });
    await writeFileAtomic(
      join(this.layoutDir, OCI_LAYOUT_FILE),
      new TextEncoder().encode(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })),
    );
  }

  /** A registry refuses manifests whose blobs it lacks; the layout does too, so it is always complete. */
  private async assertReferencedBlobsPresent(bytes: Uint8Array, mediaType: string): Promise<void> {
    for (const digest of referencedDigests(bytes, mediaType, `manifest pushed to ${this.location}`)) {
      const present = digest.startsWith("sha256:") && (await lstat(this.blobPath(digest)).catch(ignoreMissing))?.isFile() === true;
      if (!present) {
        throw new InvalidArtifactError(`manifest pushed to ${this.location} references ${digest}, which is not in the layout; push it first`);
      }
    }
  }

}

type ParsedReference = { kind: "tag"; value: string } | { kind: "digest"; value: string };

/** The digests a manifest (image manifest or index) references; other media types reference none. */
function referencedDigests(bytes: Uint8Array, mediaType: string, what: string): string[] {
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

function parseReference(reference: string): ParsedReference {
  if (reference.includes(":")) return { kind: "digest", value: assertDigest(reference, "reference") };
  if (!TAG.test(reference)) {
    throw new Error(`"${reference}" is neither a tag (letters, digits, . _ -, at most 128) nor a sha256 digest`);
  }
  return { kind: "tag", value: reference };
}

function refNameOf(entry: IndexEntry): string | undefined {
  const annotations = entry.annotations;
  if (!isObject(annotations)) return undefined;
  const name = annotations[ANNOTATION_REF_NAME];
  return typeof name === "string" ? name : undefined;
}

/** The entry as a repository-neutral descriptor: the layout-only ref name is dropped. */
function toDescriptor(entry: IndexEntry): Descriptor {
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
function retag(manifests: readonly IndexEntry[], descriptor: Descriptor, tag: string): IndexEntry[] {
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

function addUntagged(manifests: readonly IndexEntry[], descriptor: Descriptor): IndexEntry[] {
  if (manifests.some((entry) => entry.digest === descriptor.digest)) return [...manifests];
  return [...manifests, { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }];
}

function parseIndex(text: string, path: string): IndexDocument {
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
function serializeIndex(index: IndexDocument): string {
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

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b));
}

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code === "ENOENT") return undefined;
  throw error;
}

function fail(message: string): never {
  throw new InvalidArtifactError(message);
}

/** mkdir -p whose newly created directories are 0755 whatever the umask; existing ones are left alone. */
async function makeDirectories(target: string): Promise<void> {
  const firstCreated = await mkdir(target, { recursive: true });
  if (firstCreated === undefined) return;
  let current = firstCreated;
  await chmod(current, DIRECTORY_MODE);
  for (const segment of relative(firstCreated, target).split(sep).filter(Boolean)) {
    current = join(current, segment);
    await chmod(current, DIRECTORY_MODE);
  }
}

/**
 * temp file in the target's directory → write → fsync → chmod → rename. The rename is
 * atomic on POSIX filesystems, so the target is either the old or the complete new file.
 */
async function writeFileAtomic(path: string, data: Uint8Array, deferDirectorySync?: Set<string>): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  const handle = await open(temp, "wx", FILE_MODE);
  let renamed = false;
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, FILE_MODE);
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
  if (deferDirectorySync) deferDirectorySync.add(dirname(path));
  else await syncDirectory(dirname(path));
}

