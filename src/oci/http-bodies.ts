/**
 * Reading response bodies from servers we do not trust: every body is read to a bound the caller
 * names, because a hostile or broken registry, redirect target or token realm may send one without end.
 */
import { concatBytes } from "../bytes.js";
import type { HttpResponse } from "./node-http-transport.js";

/** Error bodies and token answers are a few hundred bytes; more is not read. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** A token service's answer: a JSON document with a token of a few KiB at most. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

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

/** Releases the connection of a response whose body we will not read. */
export async function discard(response: HttpResponse): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to release.
  }
}

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
