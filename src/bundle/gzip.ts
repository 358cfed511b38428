/**
 * Reproducible gzip.
 *
 * Compression uses pako (pure JavaScript, pinned version) instead of node:zlib: Node bundles
 * a Chromium zlib fork with CPU-specific code paths whose deflate output is not guaranteed to
 * be identical across Node versions or machines, and the bundle digest must be. pako's gzip
 * header is fully determined by its options:
 *
 *   1f 8b | CM 08 (deflate) | FLG 00 (no name, comment, extra, header CRC) | MTIME 00000000 |
 *   XFL 02 (pako writes it for level 9) | OS ff (255, "unknown")
 *
 * OS 255 is what Go's compress/gzip writes by default and says nothing about the build host.
 *
 * Decompression may use node:zlib: any correct inflater yields the same bytes.
 */
import { gzip, type DeflateFunctionOptions } from "pako";
import { gunzipSync } from "node:zlib";

/** The OS byte (offset 9) of every member written here. */
export const GZIP_OS_UNKNOWN = 255;
/** Default cap on decompressed size: far above any config bundle, far below a gzip bomb. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** pako's gzip header option (deflateSetHeader), which its type definitions leave out. */
interface GzipHeader {
  readonly os: number;
  readonly time: number;
  readonly text: boolean;
}

export interface DeterministicGzipOptions {
  /**
   * Compression level, part of the input the bytes depend on. 9 by default; a layer of 100 MB and
   * more (an image's runtime binary) takes 6, zlib's default: about three times faster for a
   * fraction of a percent more bytes.
   * @default 9
   */
  readonly level?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/** Compresses `data` into a single gzip member whose bytes depend on `data` (and the level) alone. */
export function deterministicGzip(data: Uint8Array, gzipOptions: DeterministicGzipOptions = {}): Uint8Array {
  // Every tunable is spelled out so a change of pako defaults cannot change the output silently;
  // a header without name, comment or time (0) leaves only the OS byte to choose.
  const options: DeflateFunctionOptions & { header: GzipHeader } = {
    level: gzipOptions.level ?? 9,
    windowBits: 15,
    memLevel: 8,
    strategy: 0,
    header: { os: GZIP_OS_UNKNOWN, time: 0, text: false },
  };
  return gzip(data, options);
}

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
