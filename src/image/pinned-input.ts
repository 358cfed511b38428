/**
 * Build inputs fetched by URL and trusted only by digest: a Debian .deb pinned by its sha256, an npm
 * tarball by its sha512 integrity. Each is kept in a cache keyed by that digest, and its bytes are
 * hashed again every time they are used: a file in the cache is as hostile as the network.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";

/** A digest as its ecosystem writes it: `sha256` hex (Debian) or `sha512` base64 (npm's integrity). */
export interface InputDigest {
  readonly algorithm: "sha256" | "sha512";
  /** Hex for sha256, base64 for sha512, as the pin is written. */
  readonly value: string;
}

export interface PinnedInput {
  /** What it is, for messages: e.g. `libc6 2.36-9+deb12u14 (linux/amd64)`. */
  readonly name: string;
  readonly url: string;
  readonly digest: InputDigest;
}

export interface FetchInputOptions {
  /** Directory of the cache (inputs/<algorithm>/<digest> below it). */
  readonly cacheDir: string;
  readonly progress?: (message: string) => void;
  /** Largest input accepted (default 256 MiB; a Node.js tarball is about 50 MB). */
  readonly maxBytes?: number;
}

/** A fetched or cached input whose bytes are not the pinned ones (a UserError by name, so the CLI prints it as is). */
export class InputDigestMismatchError extends UserError {
  constructor(input: PinnedInput, actual: string, where: string, fix: string) {
    super(`${input.name}: ${where} has ${formatDigest({ algorithm: input.digest.algorithm, value: actual })}, but the definition pins ${formatDigest(input.digest)}. ${fix}`, {
      input: input.name,
      expected: formatDigest(input.digest),
      actual: formatDigest({ algorithm: input.digest.algorithm, value: actual }),
    });
  }
}

function formatDigest(digest: InputDigest): string {
  return digest.algorithm === "sha256" ? `sha256:${digest.value}` : `sha512-${digest.value}`;
}

function digestOf(algorithm: InputDigest["algorithm"], bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest(algorithm === "sha256" ? "hex" : "base64");
}

/** The cache file of a digest: base64's `/` and `+` made file-name safe. */
export function cachePath(cacheDir: string, digest: InputDigest): string {
  return join(cacheDir, "inputs", digest.algorithm, digest.value.replace(/\//g, "_").replace(/\+/g, "-"));
}

/**
 * The bytes of `input`, verified: from the cache when it holds them (a cached file with other bytes
 * is refused, never silently replaced), else downloaded, verified, then stored. Nothing unverified
 * is returned or cached.
 */
export async function fetchPinnedInput(input: PinnedInput, options: FetchInputOptions): Promise<Uint8Array> {
  const path = cachePath(options.cacheDir, input.digest);
  let cached: Uint8Array | undefined;
  try {
    cached = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (cached) {
    const actual = digestOf(input.digest.algorithm, cached);
    if (actual !== input.digest.value) throw new InputDigestMismatchError(input, actual, `the cached file ${path}`, "Delete it to fetch the input again.");
    return cached;
  }

  options.progress?.(`fetching ${input.name} from ${input.url}`);
  const bytes = await download(input, options.maxBytes ?? 256 * 1024 * 1024);
  const actual = digestOf(input.digest.algorithm, bytes);
  if (actual !== input.digest.value) {
    throw new InputDigestMismatchError(input, actual, input.url, "The source serves other bytes than were pinned: check the mirror, or refresh the pin from its index if the change is expected.");
  }
  // Two builds may fetch the same input at once: each writes its own file and renames it into place.
  mkdirSync(join(path, ".."), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
  return bytes;
}

async function download(input: PinnedInput, maxBytes: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(input.url, { signal: AbortSignal.timeout(10 * 60 * 1000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UserError(`${input.name}: cannot fetch ${input.url} (${cause?.code ?? cause?.message ?? (error as Error).message}); the build needs the npm registry and a Debian mirror once, then works from the cache`);
  }
  if (!response.ok || !response.body) throw new UserError(`${input.name}: ${input.url} answered HTTP ${response.status}; check the pin's path (the version may have left the mirror's pool) or the mirror`);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new UserError(`${input.name}: ${input.url} is ${declared} bytes, more than the ${maxBytes} accepted`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new UserError(`${input.name}: ${input.url} sends more than the ${maxBytes} bytes accepted`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
