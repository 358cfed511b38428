/**
 * The registry client's default transport: one request over node:http / node:https, answered as
 * the small part of a fetch `Response` the client reads (`HttpResponse`).
 *
 * Why not the global `fetch`: in Node 20 its first call loads undici and compiles its WebAssembly
 * HTTP parser, ~90 ms and ~40 MB of resident memory per process on the 2-core machine (measured:
 * `node -e "fetch(...)"` 160 ms / 82 MB against 70 ms / 44 MB for `http.get`), which is most of
 * what a pull on a small appliance paid. A fetch function can still be injected (tests do).
 *
 * It keeps fetch's contract where the client depends on it: redirects are returned, not followed
 * (the client follows them by hand); a failed connection rejects with `TypeError("fetch failed")`
 * whose `cause` is the socket error (code ECONNREFUSED, ECONNRESET, ERR_SSL_…); an aborted signal
 * rejects, and errors a body being read, with the signal's reason (a TimeoutError for
 * `AbortSignal.timeout`); a connection that dies mid-body errors the body with
 * `TypeError("terminated")` whose `cause` carries the code. Unlike fetch it asks for no
 * content-encoding, so bytes arrive as the registry stored them (digests are over those bytes).
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { createRequire } from "node:module";

/** The part of a fetch `Response` the registry client reads; a real `Response` is one too. */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  readonly body: ReadableStream<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface TransportInit {
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly redirect?: "manual";
  readonly signal?: AbortSignal;
}

/** What HttpClient sends through: `nodeHttpTransport` by default, or an injected `fetch`. */
export type Transport = (url: URL, init: TransportInit) => Promise<HttpResponse>;

/** Methods whose requests carry a body, so an empty one is announced as `content-length: 0` (as fetch does; registries expect it on PUT). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

// Keep-alive, as fetch pools connections: an upload is several requests to one registry. Idle
// sockets do not keep the process alive (the agent unrefs them).
const httpAgent = new HttpAgent({ keepAlive: true });
let httpsModule: { request: typeof httpRequest; agent: HttpAgent } | undefined;

/**
 * node:https (and TLS) load only for an https URL: a pull from a plain-HTTP local registry does not
 * pay for them. Through require, not import(): the built commands are CommonJS scripts run by
 * bin/command.cjs, where a dynamic import of a built-in has no loader on Node 20.
 */
function https(): { request: typeof httpRequest; agent: HttpAgent } {
  if (!httpsModule) {
    const module = createRequire(import.meta.url)("node:https") as typeof import("node:https");
    httpsModule = { request: module.request, agent: new module.Agent({ keepAlive: true }) };
  }
  return httpsModule;
}

class ResponseHeaders {
  constructor(private readonly message: IncomingMessage) {}
  get(name: string): string | null {
    const value = this.message.headers[name.toLowerCase()];
    if (value === undefined) return null;
    // fetch joins repeated headers with ", " (set-cookie aside, which registries do not need here).
    return Array.isArray(value) ? value.join(", ") : value;
  }
  has(name: string): boolean {
    return this.message.headers[name.toLowerCase()] !== undefined;
  }
}

class NodeHttpResponse implements HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseHeaders;
  readonly body: ReadableStream<Uint8Array> | null;

  constructor(message: IncomingMessage, body: ReadableStream<Uint8Array> | null, method: string) {
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? "";
    this.headers = new ResponseHeaders(message);
    this.body = hasBody(message, method) ? body : null;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.body === null) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    const reader = this.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    return Buffer.concat(chunks);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** As with fetch: a HEAD answer and the statuses that carry no content have no body. */
function hasBody(message: IncomingMessage, method: string): boolean {
  return !(method === "HEAD" || message.statusCode === 204 || message.statusCode === 304);
}

/**
 * When the handshake fails while the request is being written (HTTPS spoken to a plain-HTTP
 * port), node:https reports only `EPROTO` with OpenSSL's line in the message; undici, and Node's
 * own TLS errors elsewhere, name it `ERR_SSL_<REASON>` (e.g. ERR_SSL_WRONG_VERSION_NUMBER), which
 * is what the client recognises as a TLS failure not worth retrying.
 */
function withTlsCode(error: Error & { code?: string }): Error {
  if (error.code !== "EPROTO") return error;
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1];
  if (reason === undefined) return error;
  return Object.assign(new Error(error.message), { code: `ERR_SSL_${reason.trim().toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`, reason: reason.trim() });
}

/** The connection ended before the body did, named as undici names it so the client's classification holds. */
function terminated(cause: Error): TypeError {
  return new TypeError("terminated", { cause });
}

/** A body stream fed by the response, paused while the reader is behind (backpressure). */
function bodyStream(message: IncomingMessage, request: ClientRequest, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let finished = false;
      const fail = (error: unknown) => {
        if (finished) return;
        finished = true;
        controller.error(error);
      };
      message.on("data", (chunk: Buffer) => {
        if (finished) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) message.pause();
      });
      message.on("end", () => {
        if (finished) return;
        finished = true;
        controller.close();
      });
      message.on("error", (error) => fail(signal?.aborted ? signal.reason : terminated(error)));
      message.on("close", () => {
        if (!message.complete) fail(signal?.aborted ? signal.reason : terminated(Object.assign(new Error("other side closed"), { code: "ECONNRESET" })));
      });
      request.on("error", (error) => fail(signal?.aborted ? signal.reason : terminated(error)));
    },
    pull() {
      message.resume();
    },
    cancel() {
      // Not read to the end: the socket cannot be reused, close it.
      message.destroy();
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
}

/** Sends one request; see the file comment for what it keeps of fetch's behaviour. */
export const nodeHttpTransport: Transport = async (url, init) => {
  const signal = init.signal;
  if (signal?.aborted) throw signal.reason;
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") throw new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${url.protocol}`) });
  const { request: send, agent } = secure ? https() : { request: httpRequest, agent: httpAgent };
  const headers: Record<string, string> = { ...init.headers };
  const method = init.method.toUpperCase();
  if (init.body !== undefined) headers["content-length"] = String(init.body.byteLength);
  else if (BODY_METHODS.has(method)) headers["content-length"] = "0";
  const options: RequestOptions = {
    method,
    protocol: url.protocol,
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers,
    agent,
  };
  return new Promise<HttpResponse>((resolve, reject) => {
    let answered = false;
    const request = send(options);
    const onAbort = () => {
      request.destroy(signal!.reason as Error);
      if (!answered) reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error) => {
      if (answered) return; // the body stream reports it
      signal?.removeEventListener("abort", onAbort);
      reject(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: withTlsCode(error) }));
    });
    request.on("response", (message) => {
      answered = true;
      // The abort listener stays until the body is done, so a timeout also stops a body being read.
      message.on("close", () => signal?.removeEventListener("abort", onAbort));
      if (hasBody(message, method)) {
        resolve(new NodeHttpResponse(message, bodyStream(message, request, signal), method));
      } else {
        // Nothing to read: let the (empty) message end so the socket goes back to the pool.
        message.resume();
        resolve(new NodeHttpResponse(message, null, method));
      }
    });
    request.end(init.body === undefined ? undefined : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength));
  });
};
