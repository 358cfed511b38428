/**
 * Shared by the OCI tests: tiny local HTTP servers for failure modes a real registry will not
 * produce on demand, a fetch wrapper that records what the client sent, and artifact fixtures.
 */
import { sha256Digest } from "../../src/oci/digest.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import type { Descriptor } from "../../src/oci/types.js";
import type { RetryOptions } from "../../src/oci/http-retries.js";

export { startLocalServer, type Handler, type LocalServer } from "../support/local-server.js";
import { startLocalServer } from "../support/local-server.js";

/** A port on which nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = await startLocalServer((_request, response) => {
    response.end();
  });
  await server.close();
  return server.port;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly bodyBytes: number;
  readonly status: number;
  readonly responseHeaders: Headers;
}

/** Wraps the global fetch and records every request the client makes, with the response status. */
export function recordingFetch(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const body = init?.body;
    requests.push({
      method: (init?.method ?? "GET").toUpperCase(),
      url: new URL(input instanceof Request ? input.url : input),
      headers: new Headers(init?.headers),
      bodyBytes: body instanceof Uint8Array ? body.byteLength : 0,
      status: response.status,
      responseHeaders: response.headers,
    });
    return response;
  };
  return { fetch: wrapped as typeof fetch, requests };
}

/** Retries without real waiting, recording the delays the client asked for. */
export function instantRetry(attempts = 4): RetryOptions & { readonly delays: number[] } {
  const delays: number[] = [];
  return {
    attempts,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    maxRetryAfterMs: 5_000,
    random: () => 1,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
    delays,
  };
}

export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Deterministic non-repeating-looking bytes. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const data = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

export function descriptorOf(data: Uint8Array, mediaType = "application/octet-stream"): Descriptor {
  return { mediaType, digest: sha256Digest(data), size: data.byteLength };
}

export interface ArtifactFixture {
  readonly config: { readonly descriptor: Descriptor; readonly data: Uint8Array };
  readonly layer: { readonly descriptor: Descriptor; readonly data: Uint8Array };
  readonly manifest: Uint8Array;
  readonly manifestDigest: string;
}

/** A small OCI artifact: a config blob of a custom media type and one layer. */
export function artifactFixture(label: string): ArtifactFixture {
  const configData = bytesOf(JSON.stringify({ label }));
  const layerData = bytesOf(`layer of ${label}\n`.repeat(20));
  const config = descriptorOf(configData, "application/vnd.example.test.config.v1+json");
  const layer = descriptorOf(layerData, "application/vnd.example.test.layer.v1.tar");
  const manifest = bytesOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      artifactType: "application/vnd.example.test.v1",
      config,
      layers: [{ ...layer, annotations: { "org.opencontainers.image.title": `${label}.tar` } }],
      annotations: { "org.example.label": label },
    }),
  );
  return { config: { descriptor: config, data: configData }, layer: { descriptor: layer, data: layerData }, manifest, manifestDigest: sha256Digest(manifest) };
}
