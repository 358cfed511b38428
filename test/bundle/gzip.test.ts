import { crc32, gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DecompressedSizeLimitError, DEFAULT_MAX_DECOMPRESSED_BYTES, gunzip } from "../../src/bundle/gunzip.js";
import { deterministicGzip, GZIP_OS_UNKNOWN } from "../../src/bundle/gzip.js";
import { sha256Digest } from "../../src/oci/digest.js";

const encoder = new TextEncoder();
const sample = encoder.encode("apiVersion: v1\nkind: ConfigMap\n".repeat(200));

describe("deterministicGzip", () => {
  it("writes a fixed 10-byte header: deflate, no flags, zero mtime, XFL 2, OS 255", () => {
    const gz = deterministicGzip(sample);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, GZIP_OS_UNKNOWN]);
    const flags = gz[3] ?? 0xff;
    expect(flags & 0x08).toBe(0); // FNAME
    expect(flags & 0x10).toBe(0); // FCOMMENT
    expect(flags & 0x04).toBe(0); // FEXTRA
    expect(flags & 0x02).toBe(0); // FHCRC
    expect(GZIP_OS_UNKNOWN).toBe(255);
  });

  it("ends with the CRC-32 and length of the input, little-endian", () => {
    const gz = deterministicGzip(sample);
    const trailer = new DataView(gz.buffer, gz.byteOffset + gz.byteLength - 8, 8);
    expect(trailer.getUint32(0, true)).toBe(crc32(sample));
    expect(trailer.getUint32(4, true)).toBe(sample.byteLength);
  });

  it("computes the standard CRC-32 check value", () => {
    expect(crc32(encoder.encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("decompresses with an independent inflater (node:zlib) to the input", () => {
    expect(new Uint8Array(gunzipSync(deterministicGzip(sample)))).toEqual(sample);
    expect(new Uint8Array(gunzipSync(deterministicGzip(new Uint8Array(0))))).toEqual(new Uint8Array(0));
  });

  it("is stable: pinned output for a fixed input", () => {
    // Guards against a pako upgrade or option change silently altering bundle digests.
    expect(deterministicGzip(sample)).toEqual(deterministicGzip(new Uint8Array(sample)));
    expect(sha256Digest(deterministicGzip(encoder.encode("hello\n")))).toBe(
      "sha256:12ffa3c6be95e6c23ed8bc40d52d289e6e7687c3aa2f5d04c1a670f44d182a8e",
    );
  });

  it("compresses at maximum level (smaller than node's default level)", () => {
    const varied = encoder.encode(Array.from({ length: 3000 }, (_, i) => `key-${i % 97}: value-${(i * 7919) % 1013}\n`).join(""));
    expect(deterministicGzip(varied).byteLength).toBeLessThanOrEqual(gzipSync(varied, { level: 6 }).byteLength);
  });
});

describe("gunzip", () => {
  it("round-trips deterministicGzip output", () => {
    expect(gunzip(deterministicGzip(sample))).toEqual(sample);
  });

  it("allows exactly maxBytes and refuses one byte more", () => {
    const gz = deterministicGzip(sample);
    expect(gunzip(gz, { maxBytes: sample.byteLength })).toEqual(sample);
    expect(() => gunzip(gz, { maxBytes: sample.byteLength - 1 })).toThrow(DecompressedSizeLimitError);
  });

  it("stops a gzip bomb at the limit with a clear error", () => {
    const bomb = gzipSync(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    expect(() => gunzip(bomb, { maxBytes: 1024 * 1024 })).toThrow(/decompresses to more than 1048576 bytes; refusing it/);
  });

  it("enforces the 256 MiB default across concatenated members", () => {
    expect(DEFAULT_MAX_DECOMPRESSED_BYTES).toBe(256 * 1024 * 1024);
    // 257 members of 1 MiB of zeros: about 260 KiB that would expand past the default.
    const member = gzipSync(new Uint8Array(1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 257 }, () => member));
    expect(() => gunzip(bomb)).toThrow(DecompressedSizeLimitError);
  });

  it("rejects data that is not gzip", () => {
    expect(() => gunzip(encoder.encode("not gzip at all, just some text"))).toThrow(/not gzip-compressed/);
  });

  it("rejects a corrupted member (bad CRC)", () => {
    const gz = deterministicGzip(sample);
    const corrupt = new Uint8Array(gz);
    corrupt[corrupt.byteLength - 6] = (corrupt[corrupt.byteLength - 6] ?? 0) ^ 0xff;
    expect(() => gunzip(corrupt)).toThrow(/invalid gzip data/);
  });

  it("rejects a truncated member", () => {
    const gz = deterministicGzip(sample);
    expect(() => gunzip(gz.subarray(0, gz.byteLength - 20))).toThrow(/invalid gzip data/);
  });
});
