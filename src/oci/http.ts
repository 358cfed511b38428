/**
 * The one place that sends HTTP requests (through node-http-transport.ts, or an injected fetch):
 * each attempt under a timeout cut to the command's deadline, retried as http-retries.ts decides,
 * redirects followed as http-redirects.ts decides. Bodies are read by the caller (http-bodies.ts).
 */
import type { Deadline } from "./deadline.js";
import { discard } from "./http-bodies.js";
import { DEFAULT_MAX_REDIRECTS, REDIRECT_LOOP, TOO_MANY_REDIRECTS, redirectedHop, type Hop } from "./http-redirects.js";
import { HttpConnectionError, RETRYABLE_STATUSES, RetryPolicy, describeTransportFailure, isAbortLike, type RetryOptions } from "./http-retries.js";
import { nodeHttpTransport, type HttpResponse, type Transport } from "./node-http-transport.js";

export interface HttpClientOptions {
  /** Default: node:http / node:https (see node-http-transport.ts); the global `fetch` works too. */
  readonly transport?: Transport;
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
}

export interface HttpResult {
  readonly response: HttpResponse;
  /** The URL that produced `response`, after redirects. */
  readonly url: URL;
  /** Attempts spent on the final hop (1 when it succeeded at once). */
  readonly attempts: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export class HttpClient {
  private readonly transport: Transport;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly userAgent: string | undefined;
  readonly retries: RetryPolicy;
  readonly deadline: Deadline | undefined;

  constructor(options: HttpClientOptions = {}) {
    this.transport = options.transport ?? nodeHttpTransport;
    this.retries = new RetryPolicy(options.retry, options.deadline);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    this.userAgent = options.userAgent;
    this.deadline = options.deadline;
  }

  /** See RetryPolicy.retryRead: a whole read (request and body) redone when the connection breaks mid-body. */
  retryRead<T>(what: string, read: () => Promise<T>): Promise<T> {
    return this.retries.retryRead(what, read);
  }

  /** Sends `request`, following redirects and retrying transient failures. Non-2xx responses are returned, not thrown. */
  async send(request: HttpRequest): Promise<HttpResult> {
    const origin = new URL(request.url);
    const headers: Record<string, string> = { ...request.headers };
    if (this.userAgent !== undefined && !Object.keys(headers).some((key) => key.toLowerCase() === "user-agent")) headers["User-Agent"] = this.userAgent;
    let hop: Hop = { method: request.method.toUpperCase(), url: origin, headers, body: request.body };
    // A request seen before on this chain (same method and URL) would be answered the same way again.
    const seen = new Set<string>([`${hop.method} ${hop.url.href}`]);
    for (let redirects = 0; ; redirects++) {
      const result = await this.sendWithRetries(hop, request.retryable);
      const next = redirectedHop(result.response, hop, origin);
      if (next === undefined) return result;
      await discard(result.response);
      if (seen.has(`${next.method} ${next.url.href}`)) {
        throw new HttpConnectionError(
          request.method.toUpperCase(),
          redactUrl(origin),
          1,
          REDIRECT_LOOP,
          `redirect loop: ${redactUrl(hop.url)} redirected back to ${redactUrl(next.url)}, already requested on this chain`,
        );
      }
      if (redirects >= this.maxRedirects) {
        throw new HttpConnectionError(request.method.toUpperCase(), redactUrl(origin), 1, TOO_MANY_REDIRECTS, `more than ${this.maxRedirects} redirects (the last to ${redactUrl(next.url)})`);
      }
      seen.add(`${next.method} ${next.url.href}`);
      hop = next;
    }
  }

  private async sendWithRetries(hop: Hop, retryable: boolean | undefined): Promise<HttpResult> {
    const maxAttempts = this.retries.attemptsFor(hop.method, retryable);
    const what = `an answer to ${hop.method} ${redactUrl(hop.url)}`;
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse;
      if (this.deadline?.expired) throw this.deadline.exceeded(what);
      try {
        response = await this.sendOnce(hop);
      } catch (error) {
        if (this.deadline?.expired && isAbortLike(error)) throw this.deadline.exceeded(what);
        const failure = describeTransportFailure(error);
        if (failure === undefined) throw error;
        if (attempt >= maxAttempts || !failure.transient) {
          throw new HttpConnectionError(hop.method, redactUrl(hop.url), attempt, failure.code, failure.detail);
        }
        await this.retries.pause(this.retries.backoff(attempt), what);
        continue;
      }
      if (!RETRYABLE_STATUSES.has(response.status) || attempt >= maxAttempts) {
        return { response, url: hop.url, attempts: attempt };
      }
      const wait = this.retries.delayAfterStatus(response.headers.get("retry-after"), attempt);
      await discard(response);
      await this.retries.pause(wait, what);
    }
  }

  private sendOnce(hop: Hop): Promise<HttpResponse> {
    const timeoutMs = this.deadline ? Math.max(1, Math.min(this.timeoutMs, this.deadline.remainingMs())) : this.timeoutMs;
    return this.transport(hop.url, {
      method: hop.method,
      headers: hop.headers,
      ...(hop.body !== undefined ? { body: hop.body } : {}),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  }
}

/** A URL safe to show: no userinfo. */
export function redactUrl(url: URL | string): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  return copy.toString();
}
