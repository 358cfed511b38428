/**
 * One repository on a registry, as a ContentRepository: blobs, manifests and tags over the
 * distribution API. Every read is verified against its digest; uploads are in blob-upload.ts,
 * tag listing in tag-list.ts.
 */
import { repositoryScope } from "./auth.js";
import { uploadBlob, uploadBlobStream, type UploadMode, type UploadTarget } from "./blob-upload.js";
import { DigestMismatchError, assertDigest, isDigest, sha256Digest, verifyContent } from "./digest.js";
import { BodyTooLargeError, discard, readBodyWithin } from "./http-bodies.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { MAX_MANIFEST_BYTES, MAX_UNSIZED_BLOB_BYTES } from "./limits.js";
import { MANIFEST_MEDIA_TYPES } from "./media-types.js";
import { RegistryError, RegistryNotFoundError } from "./registry-errors.js";
import { assertRepositoryName, assertTag, isDigestReference } from "./registry-reference.js";
import type { RegistryTransport } from "./registry-transport.js";
import { TagConflictError } from "./tag-conflict-error.js";
import { listTags } from "./tag-list.js";
import type { ContentRepository, Descriptor, FetchedManifest, PushBlobOptions as ContentPushBlobOptions, PushManifestOptions } from "./types.js";

export interface RegistryProgressEvent {
  readonly kind: "blob-upload" | "blob-skip" | "blob-mount" | "manifest-push";
  /** `host/name` of the repository concerned. */
  readonly repository: string;
  readonly digest: string;
  /** Bytes sent so far (0 for skips and mounts). */
  readonly bytes: number;
  readonly total: number;
}

/** What a repository takes from its client: the transport and the client's settings. */
export interface RegistrySettings {
  readonly transport: RegistryTransport;
  readonly chunkSize: number;
  readonly uploadMode: UploadMode;
  readonly tagPageSize: number;
  readonly onProgress: ((event: RegistryProgressEvent) => void) | undefined;
}

export interface PushBlobOptions extends ContentPushBlobOptions {
  readonly uploadMode?: UploadMode;
}

const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(", ");
/** How many times a manifest PUT answered DIGEST_INVALID is sent (the bytes are verified first: see pushManifest). */
const MANIFEST_DIGEST_INVALID_ATTEMPTS = 3;

export class RegistryRepository implements ContentRepository {
  readonly location: string;
  private readonly transport: RegistryTransport;
  private readonly pullScopes: readonly string[];
  private readonly pushScopes: readonly string[];

  constructor(
    private readonly settings: RegistrySettings,
    readonly name: string,
  ) {
    this.transport = settings.transport;
    this.location = `${this.transport.registry}/${name}`;
    this.pullScopes = [repositoryScope(name, ["pull"])];
    this.pushScopes = [repositoryScope(name, ["pull", "push"])];
  }

  async hasBlob(digest: string): Promise<boolean> {
    assertDigest(digest, "blob digest");
    return this.blobExists(digest, this.pullScopes, `checking for blob ${digest}`);
  }

  /** Uploads `data` unless the registry already has it. Returns true when bytes were sent. */
  async pushBlob(descriptor: Descriptor, data: Uint8Array, options: PushBlobOptions = {}): Promise<boolean> {
    const digest = assertDigest(descriptor.digest, "blob digest");
    verifyContent(data, digest, `blob to push to ${this.location}`, descriptor.size);
    if (!options.knownAbsent && (await this.blobExists(digest, this.pushScopes, `pushing blob ${digest} to ${this.location}`))) {
      this.progress("blob-skip", digest, 0, data.byteLength);
      return false;
    }
    const mode = options.uploadMode ?? this.settings.uploadMode;
    const chunked = mode === "chunked" || (mode === "auto" && data.byteLength > this.settings.chunkSize);
    await uploadBlob(this.uploadTarget(), digest, data, chunked ? this.settings.chunkSize : undefined);
    return true;
  }

  /**
   * Asks the registry to link a blob from another repository on the same registry, without sending bytes.
   * Returns true when mounted; false when the registry declined (then the caller uploads instead).
   */
  async mountBlob(descriptor: Descriptor, fromRepository: string): Promise<boolean> {
    const digest = assertDigest(descriptor.digest, "blob digest");
    assertRepositoryName(fromRepository);
    const url = this.url(`blobs/uploads/`);
    url.searchParams.set("mount", digest);
    url.searchParams.set("from", fromRepository);
    const scopes = [...this.pushScopes, repositoryScope(fromRepository, ["pull"])];
    const result = await this.transport.expect({ method: "POST", url, scopes, retryable: true }, [201, 202], {
      action: `mounting blob ${digest} from ${fromRepository} into ${this.location}`,
      repository: this.name,
      reference: digest,
    });
    const { response } = result;
    await discard(response);
    if (response.status === 201) {
      this.progress("blob-mount", digest, 0, descriptor.size);
      return true;
    }
    // 202: the registry opened an ordinary upload session instead; close it so it does not linger.
    const location = response.headers.get("location");
    if (location !== null) {
      try {
        await discard((await this.transport.send({ method: "DELETE", url: new URL(location, result.url), scopes })).response);
      } catch {
        // Best effort: an abandoned session is purged by the registry eventually.
      }
    }
    return false;
  }

  /**
   * Uploads a blob of any size from a stream (PATCH chunks of at most `chunkBytes`, default the
   * client's chunk size), so memory stays one chunk. Checks for the blob first unless `knownAbsent`.
   * Returns true when bytes were sent.
   */
  async pushBlobStream(
    descriptor: Descriptor,
    source: AsyncIterable<Uint8Array>,
    options: { readonly chunkBytes?: number; readonly knownAbsent?: boolean } = {},
  ): Promise<boolean> {
    const digest = assertDigest(descriptor.digest, "blob digest");
    if (!options.knownAbsent && (await this.blobExists(digest, this.pushScopes, `pushing blob ${digest} to ${this.location}`))) {
      this.progress("blob-skip", digest, 0, descriptor.size);
      return false;
    }
    await uploadBlobStream(this.uploadTarget(), digest, descriptor.size, source, options.chunkBytes ?? this.settings.chunkSize);
    return true;
  }

  /**
   * Opens a blob for reading as a stream. The answer's length must be the descriptor's size; the
   * bytes are not verified here: the consumer hashes what it reads (a layout's blob store does).
   */
  async openBlob(descriptor: Pick<Descriptor, "digest" | "size">): Promise<AsyncIterable<Uint8Array>> {
    const digest = assertDigest(descriptor.digest, "blob digest");
    const { response } = await this.transport.expect({ method: "GET", url: this.url(`blobs/${digest}`), scopes: this.pullScopes }, [200], {
      action: `fetching blob ${digest}`,
      repository: this.name,
      reference: digest,
      lookingFor: "blob",
    });
    const announced = Number(response.headers.get("content-length") ?? Number.NaN);
    if (Number.isFinite(announced) && announced !== descriptor.size) {
      await discard(response);
      throw new DigestMismatchError(`blob ${digest} from ${this.location}`, { digest, size: descriptor.size }, { size: announced });
    }
    if (response.body === null) return (async function* () {})();
    return response.body as unknown as AsyncIterable<Uint8Array>;
  }

  async fetchBlob(digest: string, size?: number): Promise<Uint8Array> {
    assertDigest(digest, "blob digest");
    return this.transport.http.retryRead(`blob ${digest} from ${this.location}`, () => this.fetchBlobOnce(digest, size));
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    assertVerifiableReference(reference);
    const result = await this.transport.send({ method: "HEAD", url: this.url(`manifests/${reference}`), scopes: this.pullScopes, headers: { Accept: MANIFEST_ACCEPT } });
    const { response } = result;
    await discard(response);
    if (response.status === 404) return undefined;
    await this.transport.check(result, [200], { method: "HEAD", action: `resolving ${reference}`, repository: this.name, reference });
    const digest = response.headers.get("docker-content-digest");
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    const mediaType = specificMediaType(response.headers.get("content-type"));
    // Some registries omit these on HEAD (or use another digest algorithm); the manifest itself then has to be read.
    if (digest === null || !isDigest(digest) || !Number.isFinite(length) || mediaType === undefined) {
      return (await this.fetchManifestIfExists(reference))?.descriptor;
    }
    if (isDigestReference(reference) && digest !== reference) {
      throw new DigestMismatchError(`manifest ${reference} in ${this.location}`, reference, digest);
    }
    return { mediaType, digest, size: length };
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    assertVerifiableReference(reference);
    return this.transport.http.retryRead(`manifest ${reference} from ${this.location}`, () => this.fetchManifestOnce(reference));
  }

  async pushManifest(bytes: Uint8Array, mediaType: string, reference: string, options: PushManifestOptions = {}): Promise<Descriptor> {
    assertVerifiableReference(reference);
    const digest = sha256Digest(bytes);
    if (isDigestReference(reference) && reference !== digest) {
      throw new DigestMismatchError(`manifest pushed as ${reference} to ${this.location}`, reference, digest);
    }
    if (!isDigestReference(reference) && options.ifTagIs !== undefined) {
      // Checked as late as possible; the registry API offers nothing atomic (see PushManifestOptions).
      const current = (await this.resolve(reference))?.digest ?? null;
      if (current !== options.ifTagIs && current !== digest) throw new TagConflictError(`${this.location}:${reference}`, options.ifTagIs, current, digest);
    }
    const put = () =>
      this.transport.expect(
        { method: "PUT", url: this.url(`manifests/${reference}`), scopes: this.pushScopes, headers: { "Content-Type": mediaType }, body: bytes },
        // The spec says 201; registries in the wild also answer 200 or 202, and the digest check below holds for each.
        [200, 201, 202],
        { action: `pushing manifest ${reference} to ${this.location}`, repository: this.name, reference },
      );
    let answer;
    for (let attempt = 1; ; attempt++) {
      try {
        answer = await put();
        break;
      } catch (error) {
        // The bytes were hashed above, so DIGEST_INVALID is not about them: distribution answers it when
        // a blob link the manifest names is being written by a concurrent push as it reads it (the link
        // file is rewritten in place). Asked again, it reads the finished link.
        if (!(error instanceof RegistryError && error.code === "DIGEST_INVALID") || attempt === MANIFEST_DIGEST_INVALID_ATTEMPTS) throw error;
      }
    }
    const { response } = answer;
    await discard(response);
    const stored = response.headers.get("docker-content-digest");
    if (stored !== null && stored.startsWith("sha256:") && stored !== digest) {
      throw new DigestMismatchError(`manifest ${reference} as stored by ${this.location}`, digest, stored);
    }
    this.progress("manifest-push", digest, bytes.byteLength, bytes.byteLength);
    return { mediaType, digest, size: bytes.byteLength };
  }

  /** Every tag, following `Link: <...>; rel="next"` pages. A repository that does not exist has none. */
  listTags(): Promise<string[]> {
    return listTags({ transport: this.transport, name: this.name, location: this.location, scopes: this.pullScopes, url: (path) => this.url(path) }, this.settings.tagPageSize);
  }

  private async fetchBlobOnce(digest: string, size?: number): Promise<Uint8Array> {
    const { response } = await this.transport.expect({ method: "GET", url: this.url(`blobs/${digest}`), scopes: this.pullScopes }, [200], {
      action: `fetching blob ${digest}`,
      repository: this.name,
      reference: digest,
      lookingFor: "blob",
    });
    const what = `blob ${digest} from ${this.location}`;
    const announced = Number(response.headers.get("content-length") ?? Number.NaN);
    if (size !== undefined && Number.isFinite(announced) && announced !== size) {
      await discard(response);
      throw new DigestMismatchError(what, { digest, size }, { size: announced });
    }
    // Never hold more than the descriptor promised (or a generous cap when no size is known).
    const data = await readBodyWithin(response, size ?? MAX_UNSIZED_BLOB_BYTES, what);
    return verifyContent(data, digest, what, size);
  }

  private async fetchManifestIfExists(reference: string): Promise<FetchedManifest | undefined> {
    try {
      return await this.fetchManifest(reference);
    } catch (error) {
      if (error instanceof RegistryNotFoundError) return undefined;
      throw error;
    }
  }

  private async fetchManifestOnce(reference: string): Promise<FetchedManifest> {
    const { response } = await this.transport.expect(
      { method: "GET", url: this.url(`manifests/${reference}`), scopes: this.pullScopes, headers: { Accept: MANIFEST_ACCEPT } },
      [200],
      { action: `fetching manifest ${reference}`, repository: this.name, reference, lookingFor: "manifest" },
    );
    const announced = Number(response.headers.get("content-length") ?? 0);
    if (announced > MAX_MANIFEST_BYTES) {
      await discard(response);
      throw new BodyTooLargeError(MAX_MANIFEST_BYTES, `manifest ${reference} in ${this.location} (announced as ${announced} bytes)`);
    }
    const bytes = await readBodyWithin(response, MAX_MANIFEST_BYTES, `manifest ${reference} in ${this.location}`);
    const what = `manifest ${reference} from ${this.location}`;
    const digest = sha256Digest(bytes);
    if (isDigestReference(reference)) {
      verifyContent(bytes, reference, what);
    } else {
      // By tag, the registry's own claim is all we can check the bytes against.
      const claimed = response.headers.get("docker-content-digest");
      if (claimed !== null && claimed.startsWith("sha256:") && claimed !== digest) throw new DigestMismatchError(what, claimed, digest);
    }
    const contentType = response.headers.get("content-type");
    const mediaType = specificMediaType(contentType) ?? mediaTypeField(bytes) ?? contentType?.split(";")[0]?.trim();
    if (mediaType === undefined) throw new InvalidArtifactError(`${what} has no media type (neither Content-Type nor a mediaType field)`);
    return { descriptor: { mediaType, digest, size: bytes.byteLength }, bytes };
  }

  private async blobExists(digest: string, scopes: readonly string[], action: string): Promise<boolean> {
    const result = await this.transport.send({ method: "HEAD", url: this.url(`blobs/${digest}`), scopes });
    await discard(result.response);
    if (result.response.status === 404) return false;
    await this.transport.check(result, [200], { method: "HEAD", action, repository: this.name, reference: digest });
    return true;
  }

  /** Whether the registry holds `digest` after all (a HEAD that fails counts as no). */
  private async blobStoredAfterAll(digest: string): Promise<boolean> {
    try {
      return await this.blobExists(digest, this.pushScopes, `checking whether blob ${digest} arrived`);
    } catch {
      return false;
    }
  }

  private uploadTarget(): UploadTarget {
    return {
      transport: this.transport,
      name: this.name,
      location: this.location,
      scopes: this.pushScopes,
      url: (path) => this.url(path),
      blobStoredAfterAll: (stored) => this.blobStoredAfterAll(stored),
      onProgress: (uploaded, bytes, total) => this.progress("blob-upload", uploaded, bytes, total),
    };
  }

  private url(path: string): URL {
    return new URL(`/v2/${this.name}/${path}`, this.transport.baseUrl);
  }

  private progress(kind: RegistryProgressEvent["kind"], digest: string, bytes: number, total: number): void {
    this.settings.onProgress?.({ kind, repository: this.location, digest, bytes, total });
  }
}

/** Tags, or sha256 digests (the only digests we can verify). */
function assertVerifiableReference(reference: string): void {
  if (isDigestReference(reference)) assertDigest(reference, "manifest digest");
  else assertTag(reference);
}

const GENERIC_CONTENT_TYPES = new Set(["", "application/json", "application/octet-stream", "text/plain"]);

/** The Content-Type without parameters, unless it is too generic to name a manifest type. */
function specificMediaType(contentType: string | null): string | undefined {
  const type = contentType?.split(";")[0]?.trim() ?? "";
  return GENERIC_CONTENT_TYPES.has(type) ? undefined : type;
}

/** The manifest's own `mediaType` field, when it is JSON and has one. */
function mediaTypeField(bytes: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown };
    return typeof parsed.mediaType === "string" && parsed.mediaType !== "" ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}
