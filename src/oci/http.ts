/**
 * The one place that sends HTTP requests (through node-http-transport.ts, or an injected fetch): bounded retries with backoff, timeouts, and redirects
 * followed by hand so that credentials never leave the origin they were meant for
 * (registries commonly redirect blob downloads to object storage on another host).
 */
import { setTimeout as delay } from "node:timers/promises";
import { concatBytes } from "../bytes.js";
import { Deadline, DeadlineExceededError } from "./deadline.js";
import { nodeHttpTransport, type HttpResponse, type Transport } from "./node-http-transport.js";

export type { HttpResponse, Transport };

export interface RetryOptions {
  /** Total attempts per request, including the first. Default 4. */
  readonly attempts?: number;
  /** First backoff delay; doubles per retry. Default 200 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound for one backoff delay. Default 5 s. */
  readonly maxDelayMs?: number;
  /** Upper bound for a server-requested `Retry-After`. Default 30 s. */
  readonly maxRetryAfterMs?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests; returns [0, 1). */
  readonly random?: () => number;
}

export interface HttpClientOptions {
  /** Default: node:http / node:https (see node-http-transport.ts); the global `fetch` works too. */
  readonly fetch?: Transport;
  readonly retry?: RetryOptions;
  /** Per attempt, covering the response headers and the body; always cut to what `deadline` leaves. Default 60 s. */
  readonly timeoutMs?: number;
  /** The command's overall budget: no request or retry outlives it. Default: none. */
  readonly deadline?: Deadline;
  readonly userAgent?: string;
  /** Default 10. */
  readonly maxRedirects?: number;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: URL | string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Held in memory, so it can be resent on retry and after redirects. */
  readonly body?: Uint8Array;
  /**
   * Whether a failed attempt may be repeated. Defaults to true for idempotent methods only;
   * callers set it for POST/PATCH whose repetition is harmless (e.g. opening an upload session).
   */
  readonly retryable?: boolean;
  readonly signal?: AbortSignal;
}

export interface HttpResult {
  readonly response: HttpResponse;
  /** The URL that produced `response`, after redirects. */
  readonly url: URL;
  /** Attempts spent on the final hop (1 when it succeeded at once). */
  readonly attempts: number;
}

/** The server could not be reached (refused, reset, TLS failure, timeout), even after retries. */
export class HttpConnectionError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly attempts: number,
    /** e.g. ECONNREFUSED, ERR_SSL_WRONG_VERSION_NUMBER, TIMEOUT */
    readonly code: string | undefined,
    readonly detail: string,
  ) {
    super(
      `${method} ${url} failed${attempts > 1 ? ` after ${attempts} attempts` : ""}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ""}`,
    );
    this.name = "HttpConnectionError";
  }
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** 501 and 505 will not change on a retry. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504, 507, 508, 509]);

const DEFAULTS = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  timeoutMs: 60_000,
  maxRedirects: 10,
};

export class HttpClient {
  private readonly fetchImpl: Transport;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly userAgent: string | undefined;
  readonly deadline: Deadline | undefined;

  constructor(options: HttpClientOptions = {}) {
    this.fetchImpl = options.fetch ?? nodeHttpTransport;
    const retry = options.retry ?? {};
    this.attempts = Math.max(1, retry.attempts ?? DEFAULTS.attempts);
    this.baseDelayMs = retry.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = retry.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.maxRetryAfterMs = retry.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.sleep = retry.sleep ?? ((ms) => delay(ms));
    this.random = retry.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.maxRedirects = options.maxRedirects ?? DEFAULTS.maxRedirects;
    this.userAgent = options.userAgent;
    this.deadline = options.deadline;
  }

  /**
   * Runs `read` (a request and the reading of its whole body) again when the connection fails
   * mid-body, with the same backoff as requests: a GET of a blob or manifest is idempotent and its
   * bytes are verified against their digest on every attempt, so a cut download is simply redone.
   */
  async retryRead<T>(what: string, read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (error) {
        if (error instanceof DeadlineExceededError) throw error;
        if (this.deadline?.expired && isAbortLike(error)) throw this.deadline.exceeded(what);
        if (!isBodyReadFailure(error)) throw error;
        if (attempt >= this.attempts) throw new BodyReadError(what, attempt, error as Error);
        await this.pause(this.backoff(attempt), what);
      }
    }
  }

  /** Sends `request`, following redirects and retrying transient failures. Non-2xx responses are returned, not thrown. */
  async send(request: HttpRequest): Promise<HttpResult> {
    const origin = new URL(request.url);
    let url = origin;
    let method = request.method.toUpperCase();
    let body = request.body;
    let headers = { ...request.headers };
    if (this.userAgent !== undefined && !hasHeader(headers, "user-agent")) headers["User-Agent"] = this.userAgent;

    for (let hop = 0; ; hop++) {
      const result = await this.sendWithRetries({ ...request, method, url, headers, body });
      const { response } = result;
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return result;
      if (hop >= this.maxRedirects) {
        await discard(response);
        throw new HttpConnectionError(method, redactUrl(url), 1, "TOO_MANY_REDIRECTS", `more than ${this.maxRedirects} redirects`);
      }
      await discard(response);
      const next = new URL(location, url);
      // Fetch semantics: 303 always becomes GET, and so does a redirected POST on 301/302.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
        headers = withoutHeaders(headers, ["content-type", "content-length", "content-range"]);
      }
      if (next.origin !== origin.origin) headers = withoutHeaders(headers, ["authorization", "cookie"]);
      url = next;
    }
  }

  private async sendWithRetries(request: HttpRequest & { url: URL; method: string }): Promise<HttpResult> {
    const retryable = request.retryable ?? IDEMPOTENT_METHODS.has(request.method);
    const maxAttempts = retryable ? this.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse;
      const what = `an answer to ${request.method} ${redactUrl(request.url)}`;
      if (this.deadline?.expired) throw this.deadline.exceeded(what);
      try {
        response = await this.fetchOnce(request);
      } catch (error) {
        if (request.signal?.aborted) throw error;
        if (this.deadline?.expired && isAbortLike(error)) throw this.deadline.exceeded(what);
        const failure = describeFetchFailure(error);
        if (failure === undefined) throw error;
        if (attempt >= maxAttempts || !failure.transient) {
          throw new HttpConnectionError(request.method, redactUrl(request.url), attempt, failure.code, failure.detail);
        }
        await this.pause(this.backoff(attempt), what);
        continue;
      }
      if (!RETRYABLE_STATUSES.has(response.status) || attempt >= maxAttempts) {
        return { response, url: request.url, attempts: attempt };
      }
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
      await discard(response);
      await this.pause(retryAfter !== undefined ? Math.min(retryAfter, this.maxRetryAfterMs) : this.backoff(attempt), what);
    }
  }

  /** A backoff that would outlive the deadline is not worth starting. */
  private async pause(ms: number, what: string): Promise<void> {
    if (this.deadline && this.deadline.remainingMs() <= ms) throw this.deadline.exceeded(what);
    await this.sleep(ms);
  }

  private fetchOnce(request: HttpRequest & { url: URL; method: string }): Promise<HttpResponse> {
    const timeoutMs = this.deadline ? Math.max(1, Math.min(this.timeoutMs, this.deadline.remainingMs())) : this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    return this.fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: "manual",
      signal,
    });
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries from many clients spread out. */
  private backoff(attempt: number): number {
    const exponential = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exponential / 2 + (exponential / 2) * this.random());
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

/** A URL safe to show: no userinfo. */
export function redactUrl(url: URL | string): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  return copy.toString();
}

/** Releases the connection of a response whose body we will not read. */
export async function discard(response: HttpResponse): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to release.
  }
}

interface FetchFailure {
  readonly code: string | undefined;
  readonly detail: string;
  /** Worth retrying: refused/reset connections and timeouts are; TLS and certificate errors are not. */
  readonly transient: boolean;
}

/** Classifies an error thrown by fetch as a connection failure, or undefined for anything else (a bug, a bad URL). */
function describeFetchFailure(error: unknown): FetchFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === "TimeoutError") return { code: "TIMEOUT", detail: "the request timed out", transient: true };
  if (error.name !== "TypeError" || error.message !== "fetch failed") return undefined;
  const cause = error.cause as (Error & { code?: string }) | undefined;
  // undici sometimes wraps the socket error one level deeper.
  const root = (cause?.cause as (Error & { code?: string }) | undefined) ?? cause;
  const code = cause?.code ?? root?.code;
  if (code !== undefined && /^ERR_SSL_|^ERR_TLS_|CERT|^DEPTH_ZERO_SELF_SIGNED/.test(code)) {
    // OpenSSL's own message is a line of internals; the code says it all.
    return { code, detail: `TLS handshake failed (${code})`, transient: false };
  }
  const detail = cause?.message || root?.message || error.message;
  return { code, detail, transient: detail !== "bad port" };
}

/** A timeout or abort, as fetch and body readers throw them. */
function isAbortLike(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError" || describeFetchFailure(error)?.code === "TIMEOUT");
}

/**
 * The connection died while a body was being read: undici throws `TypeError: terminated` (cause
 * `SocketError: other side closed`, ECONNRESET...), or the per-attempt timeout fired mid-body.
 */
export function isBodyReadFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // A request that could not be sent at all was already retried by `send`.
  if (error instanceof HttpConnectionError || error.cause instanceof HttpConnectionError) return false;
  if (error.name === "TimeoutError") return true;
  if (error.name === "TypeError" && (error.message === "terminated" || error.message === "fetch failed")) return true;
  const code = (error as NodeJS.ErrnoException).code ?? ((error.cause as NodeJS.ErrnoException | undefined)?.code);
  return code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE";
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function withoutHeaders(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !names.includes(key.toLowerCase())));
}

/** The connection kept breaking while a body was being read, through every attempt. */
export class BodyReadError extends Error {
  constructor(what: string, attempts: number, cause: Error) {
    const detail = (cause.cause as Error | undefined)?.message ?? cause.message;
    super(`the connection broke while reading ${what}${attempts > 1 ? `, ${attempts} times` : ""} (${detail}); check the network or the registry, then run the command again`);
    this.name = "BodyReadError";
  }
}

/** The body grew past what the caller was prepared to hold. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    what: string,
  ) {
    super(`${what}: the response body exceeds ${limit} bytes; refusing it`);
    this.name = "BodyTooLargeError";
  }
}

/** Error bodies and token answers are a few hundred bytes; more is not read. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** A token service's answer: a JSON document with a token of a few KiB at most. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/**
 * The first `limit` bytes of a body as text, the rest left unread: for error messages, where a
 * hostile or broken server must not make us buffer an endless body. Never throws.
 */
export async function readTextPrefix(response: HttpResponse, limit = MAX_ERROR_BODY_BYTES): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // A body that breaks off is shown as far as it came.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(concatBytes(chunks).subarray(0, limit));
}

/**
 * Reads a response body, refusing it as soon as it passes `limit` bytes, so a hostile or broken
 * server cannot make us buffer more than we expect (a declared size is only a claim).
 */
export async function readBodyWithin(response: HttpResponse, limit: number, what: string): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limit, what);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}
