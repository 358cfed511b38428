/**
 * A client for the OCI distribution API (`/v2/`), enough to push and pull artifacts: blobs
 * (monolithic, chunked, cross-repository mount), manifests, and tags. It knows nothing about what
 * the artifacts contain; every read is verified against its digest.
 *
 * The pieces: registry-transport.ts (authenticated requests, the status check), registry-errors.ts
 * (typed errors), registry-repository.ts (one repository), blob-upload.ts, tag-list.ts; below them
 * http.ts with http-retries.ts, http-redirects.ts and http-bodies.ts, and auth.ts.
 */
import { TARGET_REGISTRY_ADVICE, type RegistryAdvice } from "./registry-advice.js";
import type { UploadMode } from "./blob-upload.js";
import { lookupCredentials, type Credentials } from "./credentials.js";
import type { Deadline } from "./deadline.js";
import { discard, readTextPrefix } from "./http-bodies.js";
import type { RetryOptions } from "./http-retries.js";
import { HttpClient, redactUrl } from "./http.js";
import type { Transport } from "./node-http-transport.js";
import { RegistryError } from "./registry-errors.js";
import { assertRegistryHost, assertRepositoryName } from "./registry-reference.js";
import { RegistryRepository, type RegistryProgressEvent, type RegistrySettings } from "./registry-repository.js";
import { RegistryTransport } from "./registry-transport.js";

export type { RegistryProgressEvent };

export interface RegistryClientOptions {
  /** `host[:port]`. */
  readonly registry: string;
  /** Talk HTTP instead of HTTPS (local and test registries). */
  readonly plainHttp?: boolean;
  /** Wins over the environment and docker's config.json. */
  readonly credentials?: Credentials;
  readonly userAgent?: string;
  /** How one request is sent. Default: node:http / node:https (node-http-transport.ts); the global `fetch` fits too (tests record requests with it). */
  readonly transport?: Transport;
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
  /** Which credential sources and flags messages may name. Default: a --registry target (registry-advice.ts). */
  readonly advice?: RegistryAdvice;
}

const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const DEFAULT_TAG_PAGE_SIZE = 100;

export class RegistryClient {
  readonly registry: string;
  readonly plainHttp: boolean;
  private readonly advice: RegistryAdvice;
  private readonly settings: RegistrySettings;

  constructor(options: RegistryClientOptions) {
    this.registry = assertRegistryHost(options.registry);
    this.plainHttp = options.plainHttp ?? false;
    this.advice = options.advice ?? TARGET_REGISTRY_ADVICE;
    const http = new HttpClient({
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
    });
    const registry = this.registry;
    const transport = new RegistryTransport(registry, this.plainHttp, http, () =>
      lookupCredentials(registry, {
        ...(options.credentials ? { explicit: options.credentials } : {}),
        ...(options.env ? { env: options.env } : {}),
      }),
      this.advice,
    );
    this.settings = {
      transport,
      chunkSize: positiveInteger(options.chunkSize ?? DEFAULT_CHUNK_SIZE, "chunkSize"),
      uploadMode: options.uploadMode ?? "auto",
      tagPageSize: positiveInteger(options.tagPageSize ?? DEFAULT_TAG_PAGE_SIZE, "tagPageSize"),
      onProgress: options.onProgress,
    };
  }

  /** Checks that `/v2/` answers like a registry (200, or 401 asking for authentication). */
  async ping(): Promise<void> {
    const url = new URL("/v2/", this.settings.transport.baseUrl);
    const { response } = await this.settings.transport.send({ method: "GET", url, scopes: [] }, false);
    const looksLikeRegistry =
      response.headers.has("docker-distribution-api-version") || response.headers.has("www-authenticate");
    if (response.status === 200 || (response.status === 401 && looksLikeRegistry)) {
      await discard(response);
      return;
    }
    const body = await readTextPrefix(response);
    if (this.plainHttp && response.status === 400 && /https/i.test(body)) {
      throw new RegistryError(`${this.registry} expects HTTPS but was contacted over plain HTTP: ${this.advice.plainHttpFlag ? "drop --plain-http" : "loopback registries are always spoken to over plain HTTP"}`, 400, "GET", redactUrl(url));
    }
    throw new RegistryError(
      `${this.registry} does not look like an OCI registry: GET ${redactUrl(url)} answered ${response.status} ${response.statusText}`.trim(),
      response.status,
      "GET",
      redactUrl(url),
    );
  }

  repository(name: string): RegistryRepository {
    return new RegistryRepository(this.settings, assertRepositoryName(name));
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
