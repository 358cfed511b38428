/**
 * Bounded gzip decompression with node:zlib: any correct inflater yields the same bytes, so only
 * compression (gzip.ts, pako) has to be pinned. Kept apart from it so that readers of bundles (pull,
 * diff, the offline archive) load no compressor.
 */
import { gunzipSync } from "node:zlib";

/** Default cap on decompressed size: far above any config bundle, far below a gzip bomb. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** The input is not gzip data, or is corrupt. */
export class GzipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GzipFormatError";
  }
}

export interface GunzipOptions {
  /** Refuse data that decompresses to more than this many bytes. Default 256 MiB. */
  readonly maxBytes?: number;
}

/** Raised when compressed input would expand beyond the allowed size. */
export class DecompressedSizeLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`gzip data decompresses to more than ${maxBytes} bytes; refusing it (raise maxBytes if this is expected)`);
    this.name = "DecompressedSizeLimitError";
  }
}

/** Decompresses gzip data, stopping as soon as the output would exceed `maxBytes`. */
export function gunzip(data: Uint8Array, options: GunzipOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new Error(`maxBytes ${maxBytes} must be a non-negative integer`);
  if (data.byteLength < 18 || data[0] !== 0x1f || data[1] !== 0x8b) {
    throw new GzipFormatError("data is not gzip-compressed (missing the 1f 8b magic bytes or too short)");
  }
  try {
    // zlib needs room for one byte past the limit to tell "exactly maxBytes" from "more".
    const out = gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes + 1) });
    if (out.byteLength > maxBytes) throw new DecompressedSizeLimitError(maxBytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    if (error instanceof DecompressedSizeLimitError) throw error;
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new DecompressedSizeLimitError(maxBytes);
    }
    throw new GzipFormatError(`invalid gzip data: ${error instanceof Error ? error.message : String(error)}`);
  }
}
