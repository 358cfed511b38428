/**
 * Blobs of any size to and from a registry as streams, through a RegistryClient's public API
 * (authentication, redirects, retries of the request itself): a download hands the body over
 * chunk by chunk, and an upload sends a stream as PATCH chunks of bounded size, so memory stays
 * one chunk whatever the blob's size. The caller checks the digest while it streams (a layout's
 * blob store does), and the registry checks the whole upload against `?digest=` on the final PUT.
 */
import { repositoryScope } from "./auth.js";
import { assertDigest, DigestMismatchError } from "./digest.js";
import { discard, type HttpResult } from "./http.js";
import { RegistryError, type RegistryClient } from "./registry-client.js";
import { assertRepositoryName } from "./registry-reference.js";
import type { Descriptor } from "./types.js";

/** PATCH chunk size of a streamed upload: large enough that requests are few, small enough to hold. */
export const STREAM_UPLOAD_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Opens `descriptor`'s blob in `repository` for reading. The answer's length must be the
 * descriptor's size; the bytes are not verified here (the consumer hashes what it reads).
 */
export async function openRegistryBlob(client: RegistryClient, repository: string, descriptor: Pick<Descriptor, "digest" | "size">): Promise<AsyncIterable<Uint8Array>> {
  const digest = assertDigest(descriptor.digest, "blob digest");
  const name = assertRepositoryName(repository);
  const url = new URL(`/v2/${name}/blobs/${digest}`, client.baseUrl);
  const result = await client.request({ method: "GET", url, scopes: [repositoryScope(name, ["pull"])] });
  const { response } = result;
  const what = `blob ${digest} from ${client.registry}/${name}`;
  if (response.status !== 200) throw await client.errorFor(result, "GET", { action: `fetching blob ${digest}`, repository: name, reference: digest });
  const announced = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(announced) && announced !== descriptor.size) {
    await discard(response);
    throw new DigestMismatchError(what, { digest, size: descriptor.size }, { size: announced });
  }
  if (response.body === null) return (async function* () {})();
  return response.body as unknown as AsyncIterable<Uint8Array>;
}

/**
 * Uploads a blob from a stream of chunks (POST, PATCH per chunk of at most `chunkBytes`, PUT
 * `?digest=`). Returns after the registry accepted the digest; the source must yield exactly the
 * descriptor's bytes or the registry refuses the final PUT.
 */
export async function uploadRegistryBlobStream(
  client: RegistryClient,
  repository: string,
  descriptor: Pick<Descriptor, "digest" | "size">,
  source: AsyncIterable<Uint8Array>,
  options: { readonly chunkBytes?: number; readonly onBytes?: (sent: number) => void } = {},
): Promise<void> {
  const digest = assertDigest(descriptor.digest, "blob digest");
  const name = assertRepositoryName(repository);
  const scopes = [repositoryScope(name, ["pull", "push"])];
  const chunkBytes = options.chunkBytes ?? STREAM_UPLOAD_CHUNK_BYTES;
  const location = `${client.registry}/${name}`;
  const start = await client.request({ method: "POST", url: new URL(`/v2/${name}/blobs/uploads/`, client.baseUrl), scopes, retryable: true });
  if (start.response.status !== 202) throw await client.errorFor(start, "POST", { action: `starting the upload of blob ${digest} to ${location}`, repository: name });
  await discard(start.response);
  let url = uploadLocation(start, digest, location);

  let sent = 0;
  const buffer = new Uint8Array(Math.min(chunkBytes, Math.max(descriptor.size, 1)));
  let filled = 0;
  const flush = async () => {
    if (filled === 0) return;
    const body = buffer.subarray(0, filled);
    const result = await client.request({
      method: "PATCH",
      url,
      scopes,
      // Distribution's form: inclusive byte positions, no "bytes " unit.
      headers: { "Content-Type": "application/octet-stream", "Content-Range": `${sent}-${sent + filled - 1}` },
      body,
      retryable: true,
    });
    if (result.response.status !== 202) {
      throw await client.errorFor(result, "PATCH", { action: `uploading bytes ${sent}-${sent + filled - 1} of blob ${digest} to ${location}`, repository: name, reference: digest });
    }
    await discard(result.response);
    url = uploadLocation(result, digest, location, url);
    sent += filled;
    filled = 0;
    options.onBytes?.(sent);
  };
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(buffer.byteLength - filled, chunk.byteLength - offset);
      buffer.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === buffer.byteLength) await flush();
    }
  }
  await flush();
  const done = new URL(url);
  done.search = `${done.search.length > 1 ? `${done.search}&` : "?"}digest=${encodeURIComponent(digest)}`;
  const result = await client.request({ method: "PUT", url: done, scopes, headers: { "Content-Type": "application/octet-stream" }, body: new Uint8Array(0) });
  if (result.response.status !== 201) throw await client.errorFor(result, "PUT", { action: `completing the upload of blob ${digest} to ${location}`, repository: name, reference: digest });
  await discard(result.response);
}

function uploadLocation(result: HttpResult, digest: string, location: string, fallback?: URL): URL {
  const header = result.response.headers.get("location");
  if (header === null) {
    if (fallback) return fallback;
    throw new RegistryError(`${location} opened an upload session for ${digest} without a Location header`, result.response.status, "POST", location);
  }
  return new URL(header, result.url);
}
