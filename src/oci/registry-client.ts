/**
 * A client for the OCI distribution API (`/v2/`), enough to push and pull artifacts:
 * blobs (monolithic, chunked, cross-repository mount), manifests, and tags.
 * It knows nothing about what the artifacts contain; every read is verified against its digest.
 */
import { RegistryAuth, TokenServiceError, repositoryScope } from "./auth.js";
import { lookupCredentials, type Credentials } from "./credentials.js";
import { BodyTooLargeError } from "./http.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { DigestMismatchError, assertDigest, isDigest, sha256Digest, verifyContent } from "./digest.js";
import type { Deadline } from "./deadline.js";
import { HttpClient, HttpConnectionError, discard, readBodyWithin, readTextPrefix, redactUrl, type HttpResult, type RetryOptions, type Transport } from "./http.js";
import { MAX_MANIFEST_BYTES, MAX_UNSIZED_BLOB_BYTES } from "./limits.js";
import { MANIFEST_MEDIA_TYPES } from "./media-types.js";
import { assertRegistryHost, assertRepositoryName, assertTag, isDigestReference } from "./registry-reference.js";
import { TagConflictError } from "./tag-conflict-error.js";
import type { ContentRepository, Descriptor, FetchedManifest, PushBlobOptions as ContentPushBlobOptions, PushManifestOptions } from "./types.js";

export type UploadMode = "monolithic" | "chunked" | "auto";

export interface RegistryProgressEvent {
  readonly kind: "blob-upload" | "blob-skip" | "blob-mount" | "manifest-push";
  /** `host/name` of the repository concerned. */
  readonly repository: string;
  readonly digest: string;
  /** Bytes sent so far (0 for skips and mounts). */
  readonly bytes: number;
  readonly total: number;
}

export interface RegistryClientOptions {
  /** `host[:port]`. */
  readonly registry: string;
  /** Talk HTTP instead of HTTPS (local and test registries). */
  readonly plainHttp?: boolean;
  /** Wins over the environment and docker's config.json. */
  readonly credentials?: Credentials;
  readonly userAgent?: string;
  readonly fetch?: Transport;
  readonly retry?: RetryOptions;
  /** Per request attempt, headers and body; cut to what `deadline` leaves. Default 60 s. */
  readonly timeoutMs?: number;
  /** The command's overall budget. Default: none. */
  readonly deadline?: Deadline;
  /** Size of one PATCH in chunked uploads, and the threshold for `auto`. Default 8 MiB. */
  readonly chunkSize?: number;
  /** Default `auto`: chunked when the blob is larger than `chunkSize`. */
  readonly uploadMode?: UploadMode;
  /** `n` for tag listing pages. Default 100. */
  readonly tagPageSize?: number;
  readonly onProgress?: (event: RegistryProgressEvent) => void;
  /** Environment used for the credential lookup (OCI_USERNAME, OCI_PASSWORD, OCI_TOKEN, DOCKER_CONFIG, HOME). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** One entry of the distribution error body `{"errors":[{code,message,detail}]}`. */
export interface RegistryErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

/** The registry answered with an error status. `url` never contains credentials. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    readonly url: string,
    readonly errors: readonly RegistryErrorDetail[] = [],
  ) {
    super(message);
    this.name = "RegistryError";
  }

  /** The first distribution error code, e.g. `MANIFEST_UNKNOWN`. */
  get code(): string | undefined {
    return this.errors[0]?.code;
  }
}

/** The registry could not be reached at all. */
export class RegistryUnreachableError extends Error {
  constructor(
    readonly registry: string,
    message: string,
    override readonly cause: HttpConnectionError,
  ) {
    super(message);
    this.name = "RegistryUnreachableError";
  }
}

const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const DEFAULT_TAG_PAGE_SIZE = 100;
const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(", ");

/** @internal */
export interface RegistryRequest {
  readonly method: string;
  readonly url: URL;
  readonly scopes: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly retryable?: boolean;
}

/** What a failed request was trying to do, for error messages. @internal */
export interface RequestContext {
  readonly action: string;
  readonly repository?: string;
  readonly reference?: string;
}

export class RegistryClient {
  readonly registry: string;
  /** `http(s)://host[:port]` */
  readonly baseUrl: URL;
  readonly plainHttp: boolean;
  /** @internal */
  readonly chunkSize: number;
  /** @internal */
  readonly uploadMode: UploadMode;
  /** @internal */
  readonly tagPageSize: number;
  /** @internal */
  readonly onProgress: ((event: RegistryProgressEvent) => void) | undefined;
  /** @internal */
  readonly http: HttpClient;
  private readonly auth: RegistryAuth;

  constructor(options: RegistryClientOptions) {
    this.registry = assertRegistryHost(options.registry);
    this.plainHttp = options.plainHttp ?? false;
    this.baseUrl = new URL(`${this.plainHttp ? "http" : "https"}://${this.registry}`);
    this.chunkSize = positiveInteger(options.chunkSize ?? DEFAULT_CHUNK_SIZE, "chunkSize");
    this.uploadMode = options.uploadMode ?? "auto";
    this.tagPageSize = positiveInteger(options.tagPageSize ?? DEFAULT_TAG_PAGE_SIZE, "tagPageSize");
    this.onProgress = options.onProgress;
    this.http = new HttpClient({
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
    });
    const registry = this.registry;
    this.auth = new RegistryAuth({
      registry,
      http: this.http,
      plainHttp: this.plainHttp,
      lookupCredentials: () =>
        lookupCredentials(registry, {
          ...(options.credentials ? { explicit: options.credentials } : {}),
          ...(options.env ? { env: options.env } : {}),
        }),
    });
  }

  /** Checks that `/v2/` answers like a registry (200, or 401 asking for authentication). */
  async ping(): Promise<void> {
    const url = new URL("/v2/", this.baseUrl);
    const result = await this.send({ method: "GET", url, scopes: [] }, false);
    const { response } = result;
    const looksLikeRegistry =
      response.headers.has("docker-distribution-api-version") || response.headers.has("www-authenticate");
    if (response.status === 200 || (response.status === 401 && looksLikeRegistry)) {
      await discard(response);
      return;
    }
    const body = await readTextPrefix(response);
    if (this.plainHttp && response.status === 400 && /https/i.test(body)) {
      throw new RegistryError(
        `${this.registry} expects HTTPS but was contacted over plain HTTP: drop --plain-http`,
        400,
        "GET",
        redactUrl(url),
      );
    }
    throw new RegistryError(
      `${this.registry} does not look like an OCI registry: GET ${redactUrl(url)} answered ${response.status} ${response.statusText}`.trim(),
      response.status,
      "GET",
      redactUrl(url),
    );
  }

  repository(name: string): RegistryRepository {
    return new RegistryRepository(this, assertRepositoryName(name));
  }

  /**
   * Sends a request with authentication: the header known for `scopes` up front, and one retry
   * after a 401 challenge. Never sends credentials to another origin. @internal
   */
  async request(request: RegistryRequest): Promise<HttpResult> {
    return this.send(request, true);
  }

  /** Turns a non-success response into a `RegistryError` with a message a person can act on. @internal */
  async errorFor(result: HttpResult, method: string, context: RequestContext): Promise<RegistryError> {
    const { response } = result;
    // Bounded: an error body is only for the message, and a hostile registry may send one without end.
    const text = method === "HEAD" ? "" : await readTextPrefix(response);
    const errors = parseDistributionErrors(text);
    const url = redactUrl(result.url);
    const first = errors[0];
    const registryMessage = first ? `${first.code}: ${first.message}${formatDetail(first.detail)}` : text.trim().slice(0, 200);
    const where = `${method} ${url} → ${response.status}`;
    const location = context.repository ? `${this.registry}/${context.repository}` : this.registry;
    let message: string;
    switch (response.status) {
      case 401:
        // Token registries answer 401 (not 403) when a valid token lacks the permission asked for.
        if (this.auth.hasCredentials() && /insufficient_scope/.test(response.headers.get("www-authenticate") ?? "")) {
          message = `access denied by ${this.registry} while ${context.action}: ${this.auth.describeCredentials()} do not grant the needed permission on ${location}${registryMessage ? ` (${registryMessage})` : ""}`;
          break;
        }
        if (this.auth.unusableCredentials() !== undefined) {
          message = `authentication required for ${this.registry} while ${context.action}: ${this.auth.unusableCredentials()}; set OCI_USERNAME/OCI_PASSWORD`;
          break;
        }
        message = this.auth.hasCredentials()
          ? `authentication failed for ${this.registry} while ${context.action}: the registry refused ${this.auth.describeCredentials()}` +
            `${registryMessage ? ` (${registryMessage})` : ""}. Check OCI_USERNAME/OCI_PASSWORD, or log in with \`docker login ${this.registry}\``
          : `authentication required for ${this.registry} while ${context.action}: set OCI_USERNAME/OCI_PASSWORD (or OCI_TOKEN), or log in with \`docker login ${this.registry}\`` +
            ` (${this.auth.describeCredentials()})`;
        break;
      case 403:
        message = `access denied by ${this.registry} while ${context.action}${registryMessage ? ` (${registryMessage})` : ""}: ${this.auth.describeCredentials()} lack permission for ${location}`;
        break;
      case 404:
        message = notFoundMessage(first?.code, location, context) + (registryMessage && !first ? ` (${registryMessage})` : "");
        break;
      default:
        message = `${this.registry} refused ${context.action}: ${registryMessage || `${response.status} ${response.statusText}`.trim()}`;
        if (result.attempts > 1) message += ` (after ${result.attempts} attempts)`;
    }
    return new RegistryError(`${message} [${where}]`, response.status, method, url, errors);
  }

  private async send(request: RegistryRequest, authenticate: boolean): Promise<HttpResult> {
    const mayAuthenticate = authenticate && request.url.origin === this.baseUrl.origin;
    const authorization = mayAuthenticate ? await this.withAuthErrors(() => this.auth.authorization(request.scopes)) : undefined;
    const result = await this.refuseForeignChallenge(request, await this.sendOnce(request, authorization));
    if (result.response.status !== 401 || !mayAuthenticate) return result;
    const challenge = result.response.headers.get("www-authenticate");
    const retryWith = await this.withAuthErrors(() => this.auth.respondToChallenge(challenge, request.scopes, authorization));
    if (retryWith === undefined) return result;
    await discard(result.response);
    return this.refuseForeignChallenge(request, await this.sendOnce(request, retryWith));
  }

  /**
   * A redirect target (object storage, a CDN, or a hostile host) that asks for credentials gets
   * none: ours belong to the registry alone, so its challenge is not answered, whatever realm it names.
   */
  private async refuseForeignChallenge(request: RegistryRequest, result: HttpResult): Promise<HttpResult> {
    if (result.response.status !== 401 || result.url.origin === this.baseUrl.origin) return result;
    await discard(result.response);
    throw new RegistryError(
      `${result.url.host} asked for authentication after ${this.registry} redirected ${request.method} ${redactUrl(request.url)} there; ` +
        `credentials for ${this.registry} are never sent to another host, so the request fails [${request.method} ${redactUrl(result.url)} → 401]`,
      401,
      request.method,
      redactUrl(result.url),
    );
  }

  private async sendOnce(request: RegistryRequest, authorization: string | undefined): Promise<HttpResult> {
    const headers: Record<string, string> = { ...request.headers };
    if (authorization !== undefined) headers.Authorization = authorization;
    try {
      return await this.http.send({
        method: request.method,
        url: request.url,
        headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.retryable !== undefined ? { retryable: request.retryable } : {}),
      });
    } catch (error) {
      if (error instanceof HttpConnectionError) throw this.unreachable(error);
      throw error;
    }
  }

  private async withAuthErrors<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TokenServiceError) {
        const hint =
          error.status === 401 || error.status === 403
            ? `. Check OCI_USERNAME/OCI_PASSWORD, or log in with \`docker login ${this.registry}\``
            : "";
        throw new RegistryError(`${error.message}${hint}`, error.status || 401, "GET", error.realm);
      }
      if (error instanceof HttpConnectionError) throw this.unreachable(error);
      throw error;
    }
  }

  private unreachable(error: HttpConnectionError): RegistryUnreachableError {
    const tlsProblem = /SSL|TLS|EPROTO|CERT/i.test(`${error.code ?? ""} ${error.detail}`);
    let hint: string;
    if (!this.plainHttp) {
      hint = tlsProblem
        ? "; the TLS handshake failed, so it may serve plain HTTP: try --plain-http"
        : "; check the host and port (if it serves plain HTTP, use --plain-http)";
    } else {
      hint = /ECONNRESET|socket|closed/i.test(`${error.code ?? ""} ${error.detail}`)
        ? "; it may expect HTTPS: try without --plain-http"
        : "; check the host and port";
    }
    return new RegistryUnreachableError(this.registry, `cannot reach registry ${this.registry}: ${error.message}${hint}`, error);
  }
}

export interface PushBlobOptions extends ContentPushBlobOptions {
  readonly uploadMode?: UploadMode;
}

export class RegistryRepository implements ContentRepository {
  readonly location: string;
  private readonly pullScopes: readonly string[];
  private readonly pushScopes: readonly string[];

  constructor(
    private readonly client: RegistryClient,
    readonly name: string,
  ) {
    this.location = `${client.registry}/${name}`;
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
    const mode = options.uploadMode ?? this.client.uploadMode;
    const chunked = mode === "chunked" || (mode === "auto" && data.byteLength > this.client.chunkSize);
    if (chunked) await this.uploadChunked(digest, data);
    else await this.uploadMonolithic(digest, data);
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
    const result = await this.client.request({ method: "POST", url, scopes, retryable: true });
    const { response } = result;
    if (response.status === 201) {
      await discard(response);
      this.progress("blob-mount", digest, 0, descriptor.size);
      return true;
    }
    if (response.status === 202) {
      // The registry opened an ordinary upload session instead; close it so it does not linger.
      const location = response.headers.get("location");
      await discard(response);
      if (location !== null) {
        try {
          const cancel = await this.client.request({ method: "DELETE", url: new URL(location, result.url), scopes });
          await discard(cancel.response);
        } catch {
          // Best effort: an abandoned session is purged by the registry eventually.
        }
      }
      return false;
    }
    throw await this.client.errorFor(result, "POST", {
      action: `mounting blob ${digest} from ${fromRepository} into ${this.location}`,
      repository: this.name,
      reference: digest,
    });
  }

  async fetchBlob(digest: string, size?: number): Promise<Uint8Array> {
    assertDigest(digest, "blob digest");
    return this.client.http.retryRead(`blob ${digest} from ${this.location}`, () => this.fetchBlobOnce(digest, size));
  }

  private async fetchBlobOnce(digest: string, size?: number): Promise<Uint8Array> {
    const result = await this.client.request({ method: "GET", url: this.url(`blobs/${digest}`), scopes: this.pullScopes });
    const { response } = result;
    if (response.status !== 200) {
      throw await this.client.errorFor(result, "GET", { action: `fetching blob ${digest}`, repository: this.name, reference: digest });
    }
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

  async resolve(reference: string): Promise<Descriptor | undefined> {
    assertVerifiableReference(reference);
    const url = this.url(`manifests/${reference}`);
    const result = await this.client.request({
      method: "HEAD",
      url,
      scopes: this.pullScopes,
      headers: { Accept: MANIFEST_ACCEPT },
    });
    const { response } = result;
    await discard(response);
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      throw await this.client.errorFor(result, "HEAD", { action: `resolving ${reference}`, repository: this.name, reference });
    }
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
    const fetched = await this.fetchManifestIfExists(reference);
    if (fetched === undefined) {
      throw new RegistryError(
        `manifest ${reference} not found in ${this.location}`,
        404,
        "GET",
        redactUrl(this.url(`manifests/${reference}`)),
        [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }],
      );
    }
    return fetched;
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
    const result = await this.client.request({
      method: "PUT",
      url: this.url(`manifests/${reference}`),
      scopes: this.pushScopes,
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    const { response } = result;
    if (response.status !== 201) {
      throw await this.client.errorFor(result, "PUT", { action: `pushing manifest ${reference} to ${this.location}`, repository: this.name, reference });
    }
    await discard(response);
    const stored = response.headers.get("docker-content-digest");
    if (stored !== null && stored.startsWith("sha256:") && stored !== digest) {
      throw new DigestMismatchError(`manifest ${reference} as stored by ${this.location}`, digest, stored);
    }
    this.progress("manifest-push", digest, bytes.byteLength, bytes.byteLength);
    return { mediaType, digest, size: bytes.byteLength };
  }

  /** Every tag, following `Link: <...>; rel="next"` pages. A repository that does not exist has none. */
  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    const seen = new Set<string>();
    let url: URL | undefined = this.url("tags/list");
    url.searchParams.set("n", String(this.client.tagPageSize));
    while (url !== undefined) {
      // A registry whose `next` link points back to an earlier page would otherwise loop forever.
      if (seen.has(url.href)) break;
      seen.add(url.href);
      const result = await this.client.request({ method: "GET", url, scopes: this.pullScopes });
      const { response } = result;
      if (response.status === 404 && seen.size === 1) {
        await discard(response);
        return [];
      }
      if (response.status !== 200) {
        throw await this.client.errorFor(result, "GET", { action: `listing tags of ${this.location}`, repository: this.name });
      }
      const page = await readBodyWithin(response, MAX_MANIFEST_BYTES, `tag list of ${this.location}`);
      let body: { tags?: unknown };
      try {
        body = JSON.parse(new TextDecoder().decode(page)) as { tags?: unknown };
      } catch {
        throw new InvalidArtifactError(`${this.location}: the tag list ${redactUrl(url)} answered is not JSON`);
      }
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((tag): tag is string => typeof tag === "string"));
      const next = nextLink(response.headers.get("link"));
      url = next === undefined ? undefined : new URL(next, result.url);
    }
    return [...new Set(tags)].sort();
  }

  private async fetchManifestIfExists(reference: string): Promise<FetchedManifest | undefined> {
    assertVerifiableReference(reference);
    return this.client.http.retryRead(`manifest ${reference} from ${this.location}`, () => this.fetchManifestOnce(reference));
  }

  private async fetchManifestOnce(reference: string): Promise<FetchedManifest | undefined> {
    const result = await this.client.request({
      method: "GET",
      url: this.url(`manifests/${reference}`),
      scopes: this.pullScopes,
      headers: { Accept: MANIFEST_ACCEPT },
    });
    const { response } = result;
    if (response.status === 404) {
      await discard(response);
      return undefined;
    }
    if (response.status !== 200) {
      throw await this.client.errorFor(result, "GET", { action: `fetching manifest ${reference}`, repository: this.name, reference });
    }
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
    const result = await this.client.request({ method: "HEAD", url: this.url(`blobs/${digest}`), scopes });
    await discard(result.response);
    if (result.response.status === 200) return true;
    if (result.response.status === 404) return false;
    throw await this.client.errorFor(result, "HEAD", { action, repository: this.name, reference: digest });
  }

  /** POST to open an upload session; its URL is the `Location` answered. */
  private async startUpload(digest: string): Promise<URL> {
    const result = await this.client.request({
      method: "POST",
      url: this.url("blobs/uploads/"),
      scopes: this.pushScopes,
      // Opening a second session after a lost answer is harmless: unused sessions expire.
      retryable: true,
    });
    if (result.response.status !== 202) {
      throw await this.client.errorFor(result, "POST", { action: `starting the upload of blob ${digest} to ${this.location}`, repository: this.name });
    }
    await discard(result.response);
    return this.uploadLocation(result, digest);
  }

  private async uploadMonolithic(digest: string, data: Uint8Array): Promise<void> {
    const location = await this.startUpload(digest);
    await this.completeUpload(location, digest, data);
    this.progress("blob-upload", digest, data.byteLength, data.byteLength);
  }

  private async uploadChunked(digest: string, data: Uint8Array): Promise<void> {
    let location = await this.startUpload(digest);
    const chunkSize = this.client.chunkSize;
    for (let start = 0; start < data.byteLength; start += chunkSize) {
      const chunk = data.subarray(start, Math.min(start + chunkSize, data.byteLength));
      const result = await this.client.request({
        method: "PATCH",
        url: location,
        scopes: this.pushScopes,
        headers: {
          "Content-Type": "application/octet-stream",
          // Distribution's form: inclusive byte positions, no "bytes " unit.
          "Content-Range": `${start}-${start + chunk.byteLength - 1}`,
        },
        body: chunk,
        // The chunk is in memory and its range is explicit, so resending it is safe.
        retryable: true,
      });
      if (result.response.status !== 202) {
        throw await this.client.errorFor(result, "PATCH", {
          action: `uploading bytes ${start}-${start + chunk.byteLength - 1} of blob ${digest} to ${this.location}`,
          repository: this.name,
          reference: digest,
        });
      }
      await discard(result.response);
      location = this.uploadLocation(result, digest, location);
      this.progress("blob-upload", digest, start + chunk.byteLength, data.byteLength);
    }
    await this.completeUpload(location, digest, undefined);
  }

  /**
   * The closing PUT `?digest=`, with the whole body (monolithic) or none (after chunks). When its
   * answer is lost (a reset, a 503 from a proxy) the registry may well have stored the blob and
   * closed the session, so a retried PUT meets `BLOB_UPLOAD_UNKNOWN`: then the blob itself is
   * asked for, and a HEAD that finds it under its digest means the upload succeeded.
   */
  private async completeUpload(location: URL, digest: string, body: Uint8Array | undefined): Promise<void> {
    let result: HttpResult;
    try {
      result = await this.client.request({
        method: "PUT",
        url: withQueryParameter(location, "digest", digest),
        scopes: this.pushScopes,
        headers: { "Content-Type": "application/octet-stream" },
        body: body ?? new Uint8Array(0),
      });
    } catch (error) {
      if (error instanceof RegistryUnreachableError && (await this.blobStoredAfterAll(digest))) return;
      throw error;
    }
    if (result.response.status === 201) {
      await discard(result.response);
      return;
    }
    const failure = await this.client.errorFor(result, "PUT", { action: `completing the upload of blob ${digest} to ${this.location}`, repository: this.name, reference: digest });
    if ((failure.status >= 500 || failure.code === "BLOB_UPLOAD_UNKNOWN") && (await this.blobStoredAfterAll(digest))) return;
    throw failure;
  }

  /** Whether the registry holds `digest` after all (a HEAD that fails counts as no). */
  private async blobStoredAfterAll(digest: string): Promise<boolean> {
    try {
      return await this.blobExists(digest, this.pushScopes, `checking whether blob ${digest} arrived`);
    } catch {
      return false;
    }
  }

  /** `Location` may be absolute or relative to the request, and may carry its own query (`_state`). */
  private uploadLocation(result: HttpResult, digest: string, fallback?: URL): URL {
    const location = result.response.headers.get("location");
    if (location === null) {
      if (fallback) return fallback;
      throw new RegistryError(`${this.location} opened an upload session for ${digest} without a Location header; the registry is not following the distribution spec`, result.response.status, "POST", redactUrl(result.url));
    }
    return new URL(location, result.url);
  }

  private url(path: string): URL {
    return new URL(`/v2/${this.name}/${path}`, this.client.baseUrl);
  }

  private progress(kind: RegistryProgressEvent["kind"], digest: string, bytes: number, total: number): void {
    this.client.onProgress?.({ kind, repository: this.location, digest, bytes, total });
  }
}

/** Tags, or sha256 digests (the only digests we can verify). */
function assertVerifiableReference(reference: string): void {
  if (isDigestReference(reference)) assertDigest(reference, "manifest digest");
  else assertTag(reference);
}

/** Appends `name=value` without re-encoding the query the registry gave us. */
function withQueryParameter(url: URL, name: string, value: string): URL {
  const copy = new URL(url);
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  copy.search = copy.search.length > 1 ? `${copy.search}&${pair}` : `?${pair}`;
  return copy;
}

/** The `rel="next"` target of an RFC 8288 Link header, e.g. `</v2/x/tags/list?last=b&n=2>; rel="next"`. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? "");
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (relations.includes("next")) return match[1];
  }
  return undefined;
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

function parseDistributionErrors(text: string): RegistryErrorDetail[] {
  if (text.trim() === "") return [];
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors.flatMap((entry: unknown) => {
      if (typeof entry !== "object" || entry === null) return [];
      const { code, message, detail } = entry as { code?: unknown; message?: unknown; detail?: unknown };
      return [{ code: typeof code === "string" ? code : "UNKNOWN", message: typeof message === "string" ? message : "", ...(detail !== undefined ? { detail } : {}) }];
    });
  } catch {
    return [];
  }
}

function formatDetail(detail: unknown): string {
  if (detail === undefined || detail === null || detail === "") return "";
  const text = typeof detail === "string" ? detail : JSON.stringify(detail);
  if (text === "{}" || text === "[]") return "";
  return ` (${text.length > 300 ? `${text.slice(0, 300)}…` : text})`;
}

function notFoundMessage(code: string | undefined, location: string, context: RequestContext): string {
  switch (code) {
    case "MANIFEST_UNKNOWN":
      return `manifest ${context.reference ?? ""} not found in ${location}`.replace("  ", " ");
    case "NAME_UNKNOWN":
      return `repository ${location} not found`;
    case "BLOB_UNKNOWN":
      return `blob ${context.reference ?? ""} not found in ${location}`.replace("  ", " ");
    case "BLOB_UPLOAD_UNKNOWN":
      return `the upload session in ${location} is unknown or expired while ${context.action}`;
    default:
      return `not found while ${context.action} (${location})`;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
