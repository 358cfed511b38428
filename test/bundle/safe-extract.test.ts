import { lstat, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { deterministicGzip } from "../../src/bundle/gzip.js";
import { extractTar, extractTarGz, UnsafeTarEntryError } from "../../src/bundle/safe-extract.js";
import { createDeterministicTar } from "../../src/bundle/tar-writer.js";
import { collectTree } from "./collect-tree.js";
import { paxEntry, rawEntry, rawTar } from "./craft-tar.js";
import { SAMPLE_TREE, scratch, writeTree } from "./tree-fixture.js";


async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o7777;
}

/** Asserts the failure left nothing behind: no destination, no staging or aside directories. */
async function expectNothingCreated(parent: string): Promise<void> {
  expect(await readdir(parent)).toEqual([]);
}

describe("extractTarGz round trip", () => {
  it("tar → gzip → gunzip → read → extract reproduces the source tree", async () => {
    const source = await scratch("extract-src-");
    await writeTree(source, SAMPLE_TREE, { emptyDirectories: ["empty"] });
    const original = await collectTree(source);
    const bundle = deterministicGzip(createDeterministicTar(original));

    const parent = await scratch("extract-dst-");
    const dest = join(parent, "out");
    const result = await extractTarGz(bundle, dest);

    expect(result).toEqual({ directory: dest, files: SAMPLE_TREE.length, directories: 4, bytes: expect.any(Number) });
    expect(await collectTree(dest)).toEqual(original);
    expect(createDeterministicTar(await collectTree(dest))).toEqual(createDeterministicTar(original));
    expect(await readdir(parent)).toEqual(["out"]);
  });

  it("sets 0755 directories and 0644/0755 files whatever the umask and archive modes", async () => {
    const tar = rawTar(
      rawEntry({ name: "dir/", typeflag: "5", mode: 0o700 }),
      rawEntry({ name: "dir/private", mode: 0o600, data: "a" }),
      rawEntry({ name: "dir/world-writable-exec", mode: 0o777, data: "b" }),
      rawEntry({ name: "setuid", mode: 0o4755, data: "c" }),
      rawEntry({ name: "implied/parent/file", mode: 0o640, data: "d" }),
    );
    const parent = await scratch("extract-modes-");
    const dest = join(parent, "out");
    const previous = process.umask(0o077);
    try {
      await extractTar(tar, dest);
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(dest)).toBe(0o755);
    expect(await modeOf(join(dest, "dir"))).toBe(0o755);
    expect(await modeOf(join(dest, "dir", "private"))).toBe(0o644);
    expect(await modeOf(join(dest, "dir", "world-writable-exec"))).toBe(0o755);
    expect(await modeOf(join(dest, "setuid"))).toBe(0o755);
    expect(await modeOf(join(dest, "implied"))).toBe(0o755);
    expect(await modeOf(join(dest, "implied", "parent"))).toBe(0o755);
    expect(await readFile(join(dest, "implied", "parent", "file"), "utf8")).toBe("d");
  });

  it("tolerates a leading ./ and the ./ root entry", async () => {
    const tar = rawTar(rawEntry({ name: "./", typeflag: "5" }), rawEntry({ name: "./a.yaml", data: "a" }));
    const parent = await scratch("extract-dot-");
    const result = await extractTar(tar, join(parent, "out"));
    expect(result.files).toBe(1);
    expect(await readFile(join(parent, "out", "a.yaml"), "utf8")).toBe("a");
  });

  it("accepts a directory entry after files were placed in it", async () => {
    const tar = rawTar(rawEntry({ name: "d/x", data: "x" }), rawEntry({ name: "d/", typeflag: "5" }));
    const parent = await scratch("extract-late-dir-");
    await extractTar(tar, join(parent, "out"));
    expect(await readFile(join(parent, "out", "d", "x"), "utf8")).toBe("x");
  });
});

describe("extractTar refusals", () => {
  const cases: [string, Uint8Array, string, RegExp][] = [
    ["parent traversal", rawTar(rawEntry({ name: "../x", data: "x" })), "../x", /path escapes the destination/],
    ["inner traversal", rawTar(rawEntry({ name: "a/../../x", data: "x" })), "a/../../x", /path escapes the destination/],
    ["traversal via PAX path", rawTar(paxEntry({ path: "ok/../../../etc/cron.d/x" }), rawEntry({ name: "harmless", data: "x" })), "ok/../../../etc/cron.d/x", /path escapes the destination/],
    ["absolute path", rawTar(rawEntry({ name: "/etc/passwd", data: "x" })), "/etc/passwd", /path is absolute/],
    ["backslash", rawTar(rawEntry({ name: "..\\x", data: "x" })), "..\\x", /backslash/],
    ["drive letter", rawTar(rawEntry({ name: "C:/x", data: "x" })), "C:/x", /drive letter/],
    ["NUL byte", rawTar(paxEntry({ path: "a\0b" }), rawEntry({ name: "a", data: "x" })), "a\0b", /NUL byte/],
    ["empty segment", rawTar(rawEntry({ name: "a//b", data: "x" })), "a//b", /empty or \. segment/],
    ["dot segment", rawTar(rawEntry({ name: "a/./b", data: "x" })), "a/./b", /empty or \. segment/],
    ["file named like a directory", rawTar(rawEntry({ name: "a/", data: "x" })), "a/", /ends with \/ but the entry is not a directory/],
    ["symlink", rawTar(rawEntry({ name: "link", typeflag: "2", linkname: "/etc/passwd" })), "link", /symbolic links are not allowed \(target "\/etc\/passwd"\)/],
    ["hardlink", rawTar(rawEntry({ name: "a", data: "x" }), rawEntry({ name: "hard", typeflag: "1", linkname: "a" })), "hard", /hard links are not allowed/],
    ["character device", rawTar(rawEntry({ name: "null", typeflag: "3" })), "null", /device files are not allowed \(character-device\)/],
    ["block device", rawTar(rawEntry({ name: "sda", typeflag: "4" })), "sda", /device files are not allowed \(block-device\)/],
    ["fifo", rawTar(rawEntry({ name: "pipe", typeflag: "6" })), "pipe", /FIFOs are not allowed/],
    ["unknown type", rawTar(rawEntry({ name: "sparse", typeflag: "S", data: "" })), "sparse", /unsupported entry type "S"/],
    ["duplicate file", rawTar(rawEntry({ name: "a.yaml", data: "1" }), rawEntry({ name: "a.yaml", data: "2" })), "a.yaml", /duplicate entry/],
    ["duplicate via ./ spelling", rawTar(rawEntry({ name: "a.yaml", data: "1" }), rawEntry({ name: "./a.yaml", data: "2" })), "./a.yaml", /duplicate entry/],
    ["duplicate directory", rawTar(rawEntry({ name: "d/", typeflag: "5" }), rawEntry({ name: "d/", typeflag: "5" })), "d/", /duplicate entry/],
    ["path through a file", rawTar(rawEntry({ name: "a", data: "x" }), rawEntry({ name: "a/b", data: "y" })), "a/b", /path goes through "a", which an earlier entry created as a file/],
    ["file over an implied directory", rawTar(rawEntry({ name: "d/x", data: "x" }), rawEntry({ name: "d", data: "y" })), "d", /cannot replace a directory/],
    ["directory with data", rawTar(rawEntry({ name: "d/", typeflag: "5", size: 0 }), paxEntry({ size: "5" }), rawEntry({ name: "e/", typeflag: "5" })), "e/", /directory entry declares 5 bytes of data/],
    ["empty name", rawTar(rawEntry({ name: "", data: "x" })), "", /path is empty/],
  ];

  it.each(cases)("refuses %s, naming the entry, and creates nothing", async (_label, tar, entry, reason) => {
    const parent = await scratch("extract-refuse-");
    const dest = join(parent, "out");
    const failure = await extractTar(tar, dest).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UnsafeTarEntryError);
    const error = failure as UnsafeTarEntryError;
    expect(error.entry).toBe(entry);
    expect(error.message).toContain(`refusing tar entry ${JSON.stringify(entry)}: `);
    expect(error.message).toMatch(reason);
    await expectNothingCreated(parent);
  });

  it("reports the traversal example exactly", async () => {
    const parent = await scratch("extract-msg-");
    await expect(extractTar(rawTar(rawEntry({ name: "../x", data: "x" })), join(parent, "out"))).rejects.toThrow(
      'refusing tar entry "../x": path escapes the destination',
    );
  });

  it("refuses a bad entry after good ones without leaving partial output", async () => {
    const tar = rawTar(
      rawEntry({ name: "good/", typeflag: "5" }),
      rawEntry({ name: "good/one.yaml", data: "1" }),
      rawEntry({ name: "good/two.yaml", data: "2" }),
      rawEntry({ name: "evil", typeflag: "2", linkname: "/" }),
    );
    const parent = await scratch("extract-partial-");
    await expect(extractTar(tar, join(parent, "out"))).rejects.toThrow(/refusing tar entry "evil"/);
    await expectNothingCreated(parent);
  });

  it("refuses over-long names as unsafe entries before writing anything (not the filesystem's ENAMETOOLONG)", async () => {
    const parent = await scratch("extract-long-name-");
    const dest = join(parent, "out");
    const tooLong = `${"n".repeat(300)}.yaml`;
    const tar = rawTar(rawEntry({ name: "first.yaml", data: "1" }), paxEntry({ path: tooLong }), rawEntry({ name: "x", data: "2" }));
    const error = await extractTar(tar, dest).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeTarEntryError);
    expect((error as Error).message).toMatch(/a path component is 305 bytes long; at most 255 are allowed/);
    const deep = rawTar(paxEntry({ path: Array.from({ length: 12 }, () => "d".repeat(100)).join("/") }), rawEntry({ name: "x", data: "2" }));
    await expect(extractTar(deep, dest)).rejects.toThrow(/path is 1211 bytes long; at most 1024 are allowed/);
    await expectNothingCreated(parent);
  });

  it("refuses archives with too many entries and gzip bombs, creating nothing", async () => {
    const parent = await scratch("extract-limits-");
    const many = rawTar(...Array.from({ length: 11 }, (_, index) => rawEntry({ name: `f${index}`, data: "" })));
    await expect(extractTar(many, join(parent, "out"), { maxEntries: 10 })).rejects.toThrow(/more than 10 entries/);
    const bomb = gzipSync(rawTar(rawEntry({ name: "big", data: new Uint8Array(8 * 1024 * 1024) })));
    await expect(extractTarGz(bomb, join(parent, "out"), { maxBytes: 1024 * 1024 })).rejects.toThrow(/decompresses to more than 1048576 bytes/);
    await expectNothingCreated(parent);
  });

  it("refuses a corrupt archive, creating nothing", async () => {
    const parent = await scratch("extract-corrupt-");
    const tar = rawTar(rawEntry({ name: "f", data: "x", checksum: 7 }));
    await expect(extractTarGz(deterministicGzip(tar), join(parent, "out"))).rejects.toThrow(/bad checksum/);
    await expectNothingCreated(parent);
  });
});

describe("extractTar destination handling", () => {
  const bundleOf = (content: string): Uint8Array => rawTar(rawEntry({ name: "cfg/app.yaml", data: content }));

  it("refuses an existing destination and leaves it untouched", async () => {
    const parent = await scratch("extract-exists-");
    const dest = join(parent, "out");
    await mkdir(dest);
    await writeFile(join(dest, "keep.txt"), "mine");
    await expect(extractTar(bundleOf("new"), dest)).rejects.toThrow(/already exists \(pass replace: true/);
    expect(await readdir(dest)).toEqual(["keep.txt"]);
    expect(await readdir(parent)).toEqual(["out"]);
  });

  it("refuses even an empty existing directory, which a plain rename would silently replace", async () => {
    const parent = await scratch("extract-empty-exists-");
    await mkdir(join(parent, "out"));
    await expect(extractTar(bundleOf("new"), join(parent, "out"))).rejects.toThrow(/already exists/);
  });

  it("replaces an existing destination with replace: true and cleans up the old tree", async () => {
    const parent = await scratch("extract-replace-");
    const dest = join(parent, "out");
    await extractTar(bundleOf("v1"), dest);
    await writeFile(join(dest, "stale.txt"), "left over");
    await extractTar(bundleOf("v2"), dest, { replace: true });
    expect(await readFile(join(dest, "cfg", "app.yaml"), "utf8")).toBe("v2");
    await expect(lstat(join(dest, "stale.txt"))).rejects.toThrow(/ENOENT/);
    expect(await readdir(parent)).toEqual(["out"]);
  });

  it("keeps the old tree when a replacing archive is refused", async () => {
    const parent = await scratch("extract-replace-fail-");
    const dest = join(parent, "out");
    await extractTar(bundleOf("v1"), dest);
    await expect(extractTar(rawTar(rawEntry({ name: "../escape", data: "x" })), dest, { replace: true })).rejects.toThrow(/path escapes/);
    expect(await readFile(join(dest, "cfg", "app.yaml"), "utf8")).toBe("v1");
    expect(await readdir(parent)).toEqual(["out"]);
  });

  it("refuses to replace something that is not a directory", async () => {
    const parent = await scratch("extract-replace-file-");
    await writeFile(join(parent, "out"), "a file");
    await expect(extractTar(bundleOf("v1"), join(parent, "out"), { replace: true })).rejects.toThrow(/not a directory/);
    expect(await readFile(join(parent, "out"), "utf8")).toBe("a file");
  });

  it("creates a missing parent directory", async () => {
    const parent = await scratch("extract-parent-");
    await extractTar(bundleOf("v1"), join(parent, "a", "b", "out"));
    expect(await readFile(join(parent, "a", "b", "out", "cfg", "app.yaml"), "utf8")).toBe("v1");
  });
});
