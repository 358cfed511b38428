/**
 * Blob uploads to a registry (distribution spec "pushing blobs"): a session opened by POST, bytes
 * sent in one PUT (monolithic) or in PATCH chunks, closed by `PUT ?digest=`. A lost answer to the
 * closing PUT is settled by asking for the blob (see `complete`).
 */
import type { HttpResult } from "./http.js";
import { redactUrl } from "./http.js";
import { discard } from "./http-bodies.js";
import { RegistryError, RegistryUnreachableError } from "./registry-errors.js";
import type { RegistryTransport } from "./registry-transport.js";

export type UploadMode = "monolithic" | "chunked" | "auto";

/** The repository an upload goes to, as the uploader needs it. */
export interface UploadTarget {
  readonly transport: RegistryTransport;
  /** Repository name, e.g. `alga/alga-appliance-config`. */
  readonly name: string;
  /** `host/name`, for messages. */
  readonly location: string;
  readonly scopes: readonly string[];
  /** `/v2/<name>/<path>` on the registry. */
  url(path: string): URL;
  /** Whether the registry holds the blob (HEAD); a HEAD that fails counts as no. */
  blobStoredAfterAll(digest: string): Promise<boolean>;
  onProgress(digest: string, bytes: number, total: number): void;
}

/** Uploads `data` (already verified against `digest`) in one PUT, or in chunks of `chunkSize`. */
export async function uploadBlob(target: UploadTarget, digest: string, data: Uint8Array, chunkSize: number | undefined): Promise<void> {
  const session = await startUpload(target, digest);
  if (chunkSize === undefined) {
    await completeUpload(target, session, digest, data);
    target.onProgress(digest, data.byteLength, data.byteLength);
  } else {
    await completeUpload(target, await sendChunks(target, session, digest, data, chunkSize), digest, undefined);
  }
}

/** POST to open an upload session; its URL is the `Location` answered. */
async function startUpload(target: UploadTarget, digest: string): Promise<URL> {
  const result = await target.transport.expect(
    // Opening a second session after a lost answer is harmless: unused sessions expire.
    { method: "POST", url: target.url("blobs/uploads/"), scopes: target.scopes, retryable: true },
    [202],
    { action: `starting the upload of blob ${digest} to ${target.location}`, repository: target.name },
  );
  await discard(result.response);
  return uploadLocation(target, result, digest);
}

/** PATCHes `data` in chunks; returns the session URL for the closing PUT. */
async function sendChunks(target: UploadTarget, location: URL, digest: string, data: Uint8Array, chunkSize: number): Promise<URL> {
  for (let start = 0; start < data.byteLength; start += chunkSize) {
    const chunk = data.subarray(start, Math.min(start + chunkSize, data.byteLength));
    location = await sendChunk(target, location, digest, chunk, start);
    target.onProgress(digest, start + chunk.byteLength, data.byteLength);
  }
  return location;
}

/** One PATCH of `chunk` at byte `start`; returns the session URL the registry answered. */
async function sendChunk(target: UploadTarget, location: URL, digest: string, chunk: Uint8Array, start: number): Promise<URL> {
  const range = `${start}-${start + chunk.byteLength - 1}`;
  const result = await target.transport.expect(
    {
      method: "PATCH",
      url: location,
      scopes: target.scopes,
      // Distribution's form: inclusive byte positions, no "bytes " unit.
      headers: { "Content-Type": "application/octet-stream", "Content-Range": range },
      body: chunk,
      // The chunk is in memory and its range is explicit, so resending it is safe.
      retryable: true,
    },
    [202],
    { action: `uploading bytes ${range} of blob ${digest} to ${target.location}`, repository: target.name, reference: digest },
  );
  await discard(result.response);
  return uploadLocation(target, result, digest, location);
}

/**
 * Uploads a blob of `size` bytes from a stream, in PATCH chunks of at most `chunkSize` held one at a
 * time, so memory stays one chunk whatever the blob's size. A source chunk of at least `chunkSize`
 * is sent without a copy (the source must not reuse it before the next chunk is asked for). The registry checks the whole upload
 * against `?digest=` on the closing PUT; the caller checks what it reads where it reads it.
 */
export async function uploadBlobStream(target: UploadTarget, digest: string, size: number, source: AsyncIterable<Uint8Array>, chunkSize: number): Promise<void> {
  let location = await startUpload(target, digest);
  const capacity = Math.min(chunkSize, Math.max(size, 1));
  // Allocated only when a source chunk is smaller than a PATCH: a source yielding whole PATCHes is sent as is.
  let buffer: Uint8Array | undefined;
  let filled = 0;
  let sent = 0;
  const send = async (chunk: Uint8Array) => {
    location = await sendChunk(target, location, digest, chunk, sent);
    sent += chunk.byteLength;
    target.onProgress(digest, sent, size);
  };
  const flush = async () => {
    if (filled === 0) return;
    await send(buffer!.subarray(0, filled));
    filled = 0;
  };
  try {
    for await (const chunk of source) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        if (filled === 0 && chunk.byteLength - offset >= capacity) {
          await send(chunk.subarray(offset, offset + capacity));
          offset += capacity;
          continue;
        }
        buffer ??= new Uint8Array(capacity);
        const take = Math.min(buffer.byteLength - filled, chunk.byteLength - offset);
        buffer.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === buffer.byteLength) await flush();
      }
    }
    await flush();
  } catch (error) {
    // The source failed (e.g. its bytes did not hash to the digest): the closing PUT, which would
    // commit the blob, is never sent, and the session is cancelled rather than left to expire.
    await cancelUpload(target, location);
    throw error;
  }
  await completeUpload(target, location, digest, undefined);
}

/** DELETE of an upload session (distribution spec "canceling an upload"); best effort. */
async function cancelUpload(target: UploadTarget, location: URL): Promise<void> {
  try {
    await discard((await target.transport.send({ method: "DELETE", url: location, scopes: target.scopes })).response);
  } catch {
    // An abandoned session is purged by the registry eventually.
  }
}

/**
 * The closing PUT `?digest=`, with the whole body (monolithic) or none (after chunks). When its
 * answer is lost (a reset, a 503 from a proxy) the registry may well have stored the blob and
 * closed the session, so the retries that follow meet `BLOB_UPLOAD_UNKNOWN` (or, from other
 * registries and proxies, another refusal). The rule: a completing PUT that did not end in 201 is
 * settled by asking for the blob itself, and a HEAD that finds it under its digest means the upload
 * succeeded, whatever the last attempt said; only when it is not there does the failure stand.
 */
async function completeUpload(target: UploadTarget, location: URL, digest: string, body: Uint8Array | undefined): Promise<void> {
  let result: HttpResult;
  try {
    result = await target.transport.send({
      method: "PUT",
      url: withQueryParameter(location, "digest", digest),
      scopes: target.scopes,
      headers: { "Content-Type": "application/octet-stream" },
      body: body ?? new Uint8Array(0),
    });
  } catch (error) {
    if (error instanceof RegistryUnreachableError && (await target.blobStoredAfterAll(digest))) return;
    throw error;
  }
  try {
    await target.transport.check(result, [201], {
      method: "PUT",
      action: `completing the upload of blob ${digest} to ${target.location}`,
      repository: target.name,
      reference: digest,
    });
  } catch (failure) {
    if (failure instanceof RegistryError && (await target.blobStoredAfterAll(digest))) return;
    throw failure;
  }
  await discard(result.response);
}

/** `Location` may be absolute or relative to the request, and may carry its own query (`_state`). */
function uploadLocation(target: UploadTarget, result: HttpResult, digest: string, fallback?: URL): URL {
  const location = result.response.headers.get("location");
  if (location === null) {
    if (fallback) return fallback;
    throw new RegistryError(
      `${target.location} opened an upload session for ${digest} without a Location header; the registry is not following the distribution spec`,
      result.response.status,
      "POST",
      redactUrl(result.url),
    );
  }
  return new URL(location, result.url);
}

/** Appends `name=value` without re-encoding the query the registry gave us. */
function withQueryParameter(url: URL, name: string, value: string): URL {
  const copy = new URL(url);
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  copy.search = copy.search.length > 1 ? `${copy.search}&${pair}` : `?${pair}`;
  return copy;
}
