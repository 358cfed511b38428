/**
 * Redirects, followed by hand rather than by the transport, so that credentials never leave the
 * origin they were meant for (registries commonly redirect blob downloads to object storage on
 * another host) and a redirect chain has a bound.
 */
import type { HttpResponse } from "./node-http-transport.js";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** HttpConnectionError codes for a redirect chain that ends nowhere. */
export const REDIRECT_LOOP = "REDIRECT_LOOP";
export const TOO_MANY_REDIRECTS = "TOO_MANY_REDIRECTS";

/** Redirects followed per request before giving up. */
export const DEFAULT_MAX_REDIRECTS = 10;

/** One request as sent on one hop of a redirect chain. */
export interface Hop {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
}

/**
 * The request to send after `response` answered `hop`, or undefined when the response is not a
 * redirect. `origin` is where the chain started: headers that carry credentials go no further than it.
 */
export function redirectedHop(response: HttpResponse, hop: Hop, origin: URL): Hop | undefined {
  const location = response.headers.get("location");
  if (!REDIRECT_STATUSES.has(response.status) || location === null) return undefined;
  const url = new URL(location, hop.url);
  let { method, headers, body } = hop;
  // Fetch semantics: 303 always becomes GET, and so does a redirected POST on 301/302.
  if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
    if (method !== "HEAD") method = "GET";
    body = undefined;
    headers = withoutHeaders(headers, ["content-type", "content-length", "content-range"]);
  }
  if (url.origin !== origin.origin) headers = withoutHeaders(headers, ["authorization", "cookie"]);
  return { method, url, headers, body };
}

function withoutHeaders(headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !names.includes(key.toLowerCase())));
}
