import { describe, expect, it } from "vitest";
import { readTar, TarFormatError } from "../../src/bundle/tar-reader.js";
import { createDeterministicTar } from "../../src/bundle/tar-writer.js";
import { paxEntry, rawEntry, rawTar } from "./craft-tar.js";

const encoder = new TextEncoder();
const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data);

describe("readTar", () => {
  it("reads back what the writer wrote", () => {
    const tar = createDeterministicTar(
      [
        { type: "file", path: "a/b.yaml", data: encoder.encode("b: 1\n") },
        { type: "file", path: "run.sh", data: encoder.encode("#!/bin/sh\n"), executable: true },
      ],
      { mtime: 42 },
    );
    const entries = readTar(tar);
    expect(entries.map(({ path, kind, mode, uid, gid, uname, gname, mtime, size }) => ({ path, kind, mode, uid, gid, uname, gname, mtime, size }))).toEqual([
      { path: "a/", kind: "directory", mode: 0o755, uid: 0, gid: 0, uname: "", gname: "", mtime: 42, size: 0 },
      { path: "a/b.yaml", kind: "file", mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", mtime: 42, size: 5 },
      { path: "run.sh", kind: "file", mode: 0o755, uid: 0, gid: 0, uname: "", gname: "", mtime: 42, size: 10 },
    ]);
    expect(text(entries[1]?.data)).toBe("b: 1\n");
  });

  it("joins the ustar prefix and name", () => {
    const entries = readTar(rawTar(rawEntry({ name: "file.yaml", prefix: "some/dir", data: "x" })));
    expect(entries[0]?.path).toBe("some/dir/file.yaml");
  });

  it("ignores the prefix area of old GNU headers, where it holds timestamps", () => {
    const entries = readTar(rawTar(rawEntry({ name: "file.yaml", prefix: "ignored", magic: "gnu", data: "x" })));
    expect(entries[0]?.path).toBe("file.yaml");
  });

  it("applies PAX path and size records to the next entry only", () => {
    const long = `${"p".repeat(150)}/${"q".repeat(150)}.yaml`;
    const tar = rawTar(
      paxEntry({ path: long, mtime: "1.5", comment: "ignored" }),
      rawEntry({ name: "short", data: "long one" }),
      rawEntry({ name: "next", data: "n" }),
    );
    expect(readTar(tar).map((entry) => [entry.path, text(entry.data)])).toEqual([
      [long, "long one"],
      ["next", "n"],
    ]);
    const sized = rawTar(paxEntry({ size: "3" }), rawEntry({ name: "f", size: 0, data: "abc" }));
    expect(readTar(sized).map((entry) => [entry.path, entry.size, text(entry.data)])).toEqual([["f", 3, "abc"]]);
  });

  it("reads GNU long names and long link names", () => {
    const long = `${"n".repeat(200)}.yaml`;
    const tar = rawTar(
      rawEntry({ name: "././@LongLink", typeflag: "L", data: `${long}\0`, magic: "gnu" }),
      rawEntry({ name: "truncated", data: "body", magic: "gnu" }),
      rawEntry({ name: "././@LongLink", typeflag: "K", data: `${"t".repeat(150)}\0`, magic: "gnu" }),
      rawEntry({ name: "link", typeflag: "2", linkname: "short", magic: "gnu" }),
    );
    const entries = readTar(tar);
    expect(entries.map((entry) => [entry.path, entry.kind, entry.linkName])).toEqual([
      [long, "file", ""],
      ["link", "symlink", "t".repeat(150)],
    ]);
    expect(text(entries[0]?.data)).toBe("body");
  });

  it("keeps an inner NUL of a GNU long name so the extractor can refuse it", () => {
    const tar = rawTar(rawEntry({ name: "././@LongLink", typeflag: "L", data: "a\0b\0" }), rawEntry({ name: "x", data: "" }));
    expect(readTar(tar)[0]?.path).toBe("a\0b");
  });

  it("reports links, devices and FIFOs with their kinds and no data", () => {
    const tar = rawTar(
      rawEntry({ name: "sym", typeflag: "2", linkname: "/etc/passwd" }),
      rawEntry({ name: "hard", typeflag: "1", linkname: "sym" }),
      rawEntry({ name: "chr", typeflag: "3" }),
      rawEntry({ name: "blk", typeflag: "4" }),
      rawEntry({ name: "fifo", typeflag: "6" }),
      rawEntry({ name: "old", typeflag: "\0", data: "v7 regular" }),
      rawEntry({ name: "cont", typeflag: "7", data: "" }),
    );
    expect(readTar(tar).map((entry) => [entry.path, entry.kind, entry.linkName])).toEqual([
      ["sym", "symlink", "/etc/passwd"],
      ["hard", "hardlink", "sym"],
      ["chr", "character-device", ""],
      ["blk", "block-device", ""],
      ["fifo", "fifo", ""],
      ["old", "file", ""],
      ["cont", "unsupported", ""],
    ]);
  });

  it("treats header-only kinds as carrying no data, as Go's archive/tar does", () => {
    // A symlink that claims 512 bytes: the next block must be read as the next header.
    const tar = rawTar(rawEntry({ name: "sym", typeflag: "2", linkname: "x", size: 512 }), rawEntry({ name: "after", data: "a" }));
    expect(readTar(tar).map((entry) => entry.path)).toEqual(["sym", "after"]);
  });

  it("rejects a header with a bad checksum, naming its offset", () => {
    const tar = rawTar(rawEntry({ name: "ok", data: "1" }), rawEntry({ name: "bad", checksum: 1234 }));
    expect(() => readTar(tar)).toThrow(/tar header at byte 1024 has a bad checksum/);
  });

  it("rejects a header whose bytes were altered after the checksum was computed", () => {
    const tar = rawTar(rawEntry({ name: "file", data: "1" }));
    tar[0] = "g".charCodeAt(0);
    expect(() => readTar(tar)).toThrow(TarFormatError);
  });

  it("rejects archives without a ustar magic", () => {
    expect(() => readTar(rawTar(rawEntry({ name: "v7", magic: "none" })))).toThrow(/not a ustar header/);
  });

  it("rejects truncated data and a missing end-of-archive marker", () => {
    const entry = rawEntry({ name: "f", data: "x".repeat(1000) });
    expect(() => readTar(entry.subarray(0, 1024))).toThrow(/declares 1000 bytes of data but the archive ends first/);
    expect(() => readTar(entry)).toThrow(/ends without the end-of-archive zero blocks/);
  });

  it("rejects an extension header with no entry after it", () => {
    expect(() => readTar(rawTar(paxEntry({ path: "x" })))).toThrow(/not followed by an entry/);
  });

  it("rejects malformed PAX records and sparse files", () => {
    const bad = rawTar(rawEntry({ name: "pax", typeflag: "x", data: "99 path=x\n" }), rawEntry({ name: "f" }));
    expect(() => readTar(bad)).toThrow(/malformed record/);
    expect(() => readTar(rawTar(paxEntry({ size: "-1" }), rawEntry({ name: "f" })))).toThrow(/not a valid size/);
    expect(() => readTar(rawTar(paxEntry({ "GNU.sparse.major": "1" }), rawEntry({ name: "f" })))).toThrow(/sparse/);
  });

  it("accepts harmless global headers (git archive writes one) but not ones that rename entries", () => {
    const commented = rawTar(paxEntry({ comment: "0123abcd" }, "g"), rawEntry({ name: "f", data: "" }));
    expect(readTar(commented).map((entry) => entry.path)).toEqual(["f"]);
    const renaming = rawTar(paxEntry({ path: "evil" }, "g"), rawEntry({ name: "f", data: "" }));
    expect(() => readTar(renaming)).toThrow(/global header at byte 0 sets "path"/);
  });

  it("rejects names that are not valid UTF-8", () => {
    expect(() => readTar(rawTar(rawEntry({ name: Uint8Array.of(0x61, 0xff, 0x62) })))).toThrow(/name is not valid UTF-8/);
  });

  it("rejects non-octal numeric fields", () => {
    const tar = rawTar(rawEntry({ name: "f" }));
    tar.set(encoder.encode("12x4567"), 100);
    // Recompute the checksum so only the mode field is wrong.
    tar.fill(0x20, 148, 156);
    const sum = tar.subarray(0, 512).reduce((total, byte) => total + byte, 0);
    tar.set(encoder.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    expect(() => readTar(tar)).toThrow(/mode field "12x4567" is not an octal number/);
  });

  it("enforces maxEntries", () => {
    const tar = rawTar(rawEntry({ name: "a" }), rawEntry({ name: "b" }), rawEntry({ name: "c" }));
    expect(readTar(tar, { maxEntries: 3 })).toHaveLength(3);
    expect(() => readTar(tar, { maxEntries: 2 })).toThrow(/more than 2 entries/);
  });
});
