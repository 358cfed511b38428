/**
 * What a dynamically linked ELF file needs before it can run: its program interpreter (the dynamic
 * loader, PT_INTERP) and the shared libraries it names (DT_NEEDED). Read from the file alone, so a
 * base image for a platform this machine cannot run (arm64 here) is still checked for a closed set
 * of libraries before it is written. ELF64 little-endian only: x86-64 and AArch64 Linux.
 */

export interface ElfDependencies {
  /** e.g. `/lib64/ld-linux-x86-64.so.2`; undefined for a static binary or a library. */
  readonly interpreter?: string;
  /** Sonames, in the order the file lists them. */
  readonly needed: readonly string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

/** The dependencies of `bytes`; undefined when it is not an ELF64 little-endian file. */
export function elfDependencies(bytes: Uint8Array, what: string): ElfDependencies | undefined {
  if (bytes.byteLength < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  if (bytes[4] !== 2 || bytes[5] !== 1) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new Error(`${what}: malformed ELF file (${reason})`);
  };
  const u64 = (offset: number) => {
    if (offset + 8 > bytes.byteLength) fail(`read past the end at ${offset}`);
    const value = view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`offset ${value} out of range`);
    return Number(value);
  };
  const cString = (offset: number) => {
    const end = bytes.indexOf(0, offset);
    if (offset >= bytes.byteLength || end < 0) fail(`string at ${offset} runs past the end`);
    return Buffer.from(bytes.subarray(offset, end)).toString("latin1");
  };

  const phoff = u64(0x20);
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  const segments: { type: number; offset: number; vaddr: number; filesz: number }[] = [];
  for (let index = 0; index < phnum; index++) {
    const at = phoff + index * phentsize;
    if (at + 56 > bytes.byteLength) fail("program headers run past the end");
    segments.push({ type: view.getUint32(at, true), offset: u64(at + 0x08), vaddr: u64(at + 0x10), filesz: u64(at + 0x20) });
  }
  const interp = segments.find((segment) => segment.type === PT_INTERP);
  const interpreter = interp ? cString(interp.offset) : undefined;

  const dynamic = segments.find((segment) => segment.type === PT_DYNAMIC);
  if (!dynamic) return { ...(interpreter ? { interpreter } : {}), needed: [] };
  const neededOffsets: number[] = [];
  let strtab: number | undefined;
  for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.filesz; at += 16) {
    if (at + 16 > bytes.byteLength) fail("dynamic section runs past the end");
    const tag = view.getBigInt64(at, true);
    if (tag === DT_NULL) break;
    if (tag === DT_NEEDED) neededOffsets.push(u64(at + 8));
    else if (tag === DT_STRTAB) strtab = u64(at + 8);
  }
  if (neededOffsets.length === 0) return { ...(interpreter ? { interpreter } : {}), needed: [] };
  if (strtab === undefined) fail("DT_NEEDED without DT_STRTAB");
  // DT_STRTAB is a virtual address: the loadable segment that maps it gives its place in the file.
  const load = segments.find((segment) => segment.type === PT_LOAD && strtab! >= segment.vaddr && strtab! < segment.vaddr + segment.filesz);
  if (!load) fail("the string table is in no loadable segment");
  const strtabOffset = strtab! - load!.vaddr + load!.offset;
  return { ...(interpreter ? { interpreter } : {}), needed: neededOffsets.map((offset) => cString(strtabOffset + offset)) };
}
