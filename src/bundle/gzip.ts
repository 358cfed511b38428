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

 * Decompression is in gunzip.ts: any correct inflater yields the same bytes, so it uses node:zlib
 * (and the appliance side, which only reads bundles, loads no pako).
 */
import { gzip, type DeflateFunctionOptions } from "pako";

/** The OS byte (offset 9) of every member written here. */
export const GZIP_OS_UNKNOWN = 255;

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
