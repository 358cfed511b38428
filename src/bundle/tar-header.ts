/**
 * The fixed fields of a ustar header block, shared by the bundle's tar writer and the offline
 * archive's streaming tar: numbers as zero-padded octal (or base-256 past eleven octal digits) and
 * the header checksum.
 */
const encoder = new TextEncoder();

export const TAR_BLOCK = 512;
/** The largest number eleven octal digits hold (a size field's limit: 8 GiB - 1). */
export const MAX_OCTAL_11 = 0o77777777777;

/** Zero-padded octal digits filling the field except for a trailing NUL. */
export function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  const digits = value.toString(8).padStart(length - 1, "0");
  if (digits.length > length - 1) throw new Error(`value ${value} does not fit a ${length}-byte tar field`);
  header.set(encoder.encode(digits), offset);
  header[offset + length - 1] = 0;
}

/** The base-256 form GNU tar, Go's archive/tar and libarchive read for numbers octal cannot hold. */
export function writeBase256(header: Uint8Array, offset: number, length: number, value: number): void {
  let rest = BigInt(value);
  for (let i = offset + length - 1; i > offset; i--) {
    header[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  header[offset] = 0x80;
}

/** The unsigned sum of the header's bytes with the checksum field counted as eight spaces. */
export function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum;
}

/** Writes the checksum field of a header whose other fields are complete. */
export function sealHeader(header: Uint8Array): Uint8Array {
  writeOctal(header, 148, 7, headerChecksum(header));
  header[155] = 0x20;
  return header;
}
