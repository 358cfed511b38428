/**
 * Blobs of any size to and from a registry as streams, for callers that hold a client and a
 * repository name (the offline archive): see RegistryRepository.openBlob and pushBlobStream, which
 * do the work through the client's authentication, redirects, status check and retries.
 */
import type { RegistryClient } from "./registry-client.js";
import type { Descriptor } from "./types.js";

/** PATCH chunk size of a streamed upload: large enough that requests are few, small enough to hold. */
const STREAM_UPLOAD_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Opens `descriptor`'s blob in `repository` for reading. The answer's length must be the
 * descriptor's size; the bytes are not verified here (the consumer hashes what it reads).
 */
export function openRegistryBlob(client: RegistryClient, repository: string, descriptor: Pick<Descriptor, "digest" | "size">): Promise<AsyncIterable<Uint8Array>> {
  return client.repository(repository).openBlob(descriptor);
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
  const counted = options.onBytes ? countBytes(source, options.onBytes) : source;
  await client.repository(repository).pushBlobStream({ mediaType: "application/octet-stream", ...descriptor }, counted, {
    chunkBytes: options.chunkBytes ?? STREAM_UPLOAD_CHUNK_BYTES,
    knownAbsent: true,
  });
}

async function* countBytes(source: AsyncIterable<Uint8Array>, onBytes: (sent: number) => void): AsyncIterable<Uint8Array> {
  let sent = 0;
  for await (const chunk of source) {
    yield chunk;
    sent += chunk.byteLength;
    onBytes(sent);
  }
}
