/**
 * When a failed HTTP attempt is worth repeating, and how long to wait first: bounded attempts,
 * exponential backoff with jitter, the server's `Retry-After`, and never past the command's deadline.
 */
import { setTimeout as delay } from "node:timers/promises";
import { DeadlineExceededError, type Deadline } from "./deadline.js";

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

/** The connection kept breaking while a body was being read, through every attempt. */
export class BodyReadError extends Error {
  constructor(what: string, attempts: number, cause: Error) {
    const detail = (cause.cause as Error | undefined)?.message ?? cause.message;
    super(`the connection broke while reading ${what}${attempts > 1 ? `, ${attempts} times` : ""} (${detail}); check the network or the registry, then run the command again`);
    this.name = "BodyReadError";
  }
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
/** Statuses a later attempt may not meet; 501 and 505 will not change on a retry. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504, 507, 508, 509]);

const DEFAULTS = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

/** How often and how patiently one client repeats failed attempts. */
export class RetryPolicy {
  readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    options: RetryOptions = {},
    readonly deadline: Deadline | undefined = undefined,
  ) {
    this.attempts = Math.max(1, options.attempts ?? DEFAULTS.attempts);
    this.baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.random = options.random ?? Math.random;
  }

  /** Attempts allowed for one request: idempotent methods by default, others only when the caller says repeating is harmless. */
  attemptsFor(method: string, retryable: boolean | undefined): number {
    return (retryable ?? IDEMPOTENT_METHODS.has(method)) ? this.attempts : 1;
  }

  /** The wait before attempt `attempt + 1` after a retryable status: the server's `Retry-After` (capped), else backoff. */
  delayAfterStatus(retryAfter: string | null, attempt: number): number {
    const asked = parseRetryAfter(retryAfter);
    return asked !== undefined ? Math.min(asked, this.maxRetryAfterMs) : this.backoff(attempt);
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries from many clients spread out. */
  backoff(attempt: number): number {
    const exponential = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exponential / 2 + (exponential / 2) * this.random());
  }

  /** A backoff that would outlive the deadline is not worth starting. */
  async pause(ms: number, what: string): Promise<void> {
    if (this.deadline && this.deadline.remainingMs() <= ms) throw this.deadline.exceeded(what);
    await this.sleep(ms);
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

interface FetchFailure {
  readonly code: string | undefined;
  readonly detail: string;
  /** Worth retrying: refused/reset connections and timeouts are; TLS and certificate errors are not. */
  readonly transient: boolean;
}

/** Classifies an error thrown by the transport as a connection failure, or undefined for anything else (a bug, a bad URL). */
export function describeTransportFailure(error: unknown): FetchFailure | undefined {
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
export function isAbortLike(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError" || describeTransportFailure(error)?.code === "TIMEOUT");
}

/**
 * The connection died while a body was being read: undici throws `TypeError: terminated` (cause
 * `SocketError: other side closed`, ECONNRESET...), or the per-attempt timeout fired mid-body.
 */
function isBodyReadFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // A request that could not be sent at all was already retried by `send`.
  if (error instanceof HttpConnectionError || error.cause instanceof HttpConnectionError) return false;
  if (error.name === "TimeoutError") return true;
  if (error.name === "TypeError" && (error.message === "terminated" || error.message === "fetch failed")) return true;
  const code = (error as NodeJS.ErrnoException).code ?? ((error.cause as NodeJS.ErrnoException | undefined)?.code);
  return code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE";
}
