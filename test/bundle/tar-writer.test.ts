import { execFile } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { deterministicGzip } from "../../src/bundle/gzip.js";
import { readTar } from "../../src/bundle/tar-reader.js";
import { createDeterministicTar, type TarEntry } from "../../src/bundle/tar-writer.js";
import { collectTree } from "./collect-tree.js";
import { sha256Digest } from "../../src/oci/digest.js";
import { rawHeaders } from "./craft-tar.js";
import { SAMPLE_TREE, scratch, writeTree } from "./tree-fixture.js";

const run = promisify(execFile);
const encoder = new TextEncoder();

function sampleEntries(): TarEntry[] {
  return [
    ...SAMPLE_TREE.map((file): TarEntry => ({ type: "file", path: file.path, data: encoder.encode(file.content), executable: file.executable === true })),
    { type: "directory", path: "empty" },
  ];
}

/**
 * The cross-machine determinism guard: these digests were produced by this implementation
 * (pako 2.2.0, level 9). The tar bytes equal GNU tar 1.34's `--format=ustar --sort=name
 * --owner=0 --group=0 --numeric-owner --mtime=@0` output for the same tree, minus GNU's
 * padding to a 10240-byte record. Any change to header
 * layout, ordering, padding or compression changes them; update them only on purpose,
 * since it changes every published bundle digest.
 */
const GOLDEN_TAR = "sha256:41043236c5440e53b35f318be4a1862dcf8f4e18392ee897732413b0086523d6";
const GOLDEN_TGZ = "sha256:8eea41a5fc9901b3cdc3d88cfb111758b2463bcef1be29b992492099ca8543ab";

describe("createDeterministicTar", () => {
  it("produces the golden digests for the sample tree", () => {
    const tar = createDeterministicTar(sampleEntries());
    expect(sha256Digest(tar)).toBe(GOLDEN_TAR);
    expect(sha256Digest(deterministicGzip(tar))).toBe(GOLDEN_TGZ);
  });

  it("does not depend on the order entries are given in", () => {
    const entries = sampleEntries();
    const reversed = [...entries].reverse();
    expect(createDeterministicTar(reversed)).toEqual(createDeterministicTar(entries));
  });

  it("sorts by UTF-8 bytes with directories directly before their contents", () => {
    const file = (path: string): TarEntry => ({ type: "file", path, data: new Uint8Array(0) });
    const tar = createDeterministicTar([file("b"), file("a/z"), file("ä"), file("a.txt"), file("a-b"), file("B"), file("a/b/c")]);
    expect(readTar(tar).map((entry) => entry.path)).toEqual(["B", "a-b", "a.txt", "a/", "a/b/", "a/b/c", "a/z", "b", "ä"]);
  });

  it("writes the given numeric owner in every header (an image layer's runtime user), names still empty", () => {
    const long = `${"d".repeat(120)}/${"f".repeat(120)}`;
    const tar = createDeterministicTar([...sampleEntries(), { type: "file", path: long, data: new Uint8Array(1) }], { owner: { uid: 65532, gid: 65533 } });
    const headers = rawHeaders(tar);
    for (const header of headers) {
      expect([header.uid, header.gid]).toEqual(["0177774\0", "0177775\0"]);
      expect(header.uname.every((byte) => byte === 0)).toBe(true);
      expect(header.checksumValid).toBe(true);
    }
    expect(() => createDeterministicTar(sampleEntries(), { owner: { uid: -1, gid: 0 } })).toThrow(/owner id -1/);
    expect(() => createDeterministicTar(sampleEntries(), { owner: { uid: 0, gid: 0o10000000 } })).toThrow(/owner id 2097152/);
  });

  it("writes fixed ownership, modes and mtime in every header", () => {
    const tar = createDeterministicTar(sampleEntries());
    const headers = rawHeaders(tar);
    expect(headers.length).toBeGreaterThan(0);
    for (const header of headers) {
      expect(header.uid).toBe("0000000\0");
      expect(header.gid).toBe("0000000\0");
      expect(header.uname.every((byte) => byte === 0)).toBe(true);
      expect(header.gname.every((byte) => byte === 0)).toBe(true);
      expect(header.mtime).toBe("00000000000\0");
      expect(header.magic).toBe("ustar\u000000");
      expect(header.checksumValid).toBe(true);
    }
    const modes = Object.fromEntries(headers.map((header) => [header.name, [header.typeflag, header.mode]]));
    expect(modes).toEqual({
      "a-b.yaml": ["0", "0000644\0"],
      "a.yaml": ["0", "0000644\0"],
      "apps/": ["5", "0000755\0"],
      "apps/deployment.yaml": ["0", "0000644\0"],
      "apps/nested/": ["5", "0000755\0"],
      "apps/nested/config-map.yaml": ["0", "0000644\0"],
      "empty/": ["5", "0000755\0"],
      "kustomization.yaml": ["0", "0000644\0"],
      "scripts/": ["5", "0000755\0"],
      "scripts/hook.sh": ["0", "0000755\0"],
    });
  });

  it("writes the given mtime (e.g. from SOURCE_DATE_EPOCH) and rejects invalid ones", () => {
    const tar = createDeterministicTar(sampleEntries(), { mtime: 1_700_000_000 });
    for (const header of rawHeaders(tar)) expect(header.mtime).toBe(`${(1_700_000_000).toString(8).padStart(11, "0")}\0`);
    expect(tar).not.toEqual(createDeterministicTar(sampleEntries()));
    expect(() => createDeterministicTar([], { mtime: -1 })).toThrow(/mtime -1/);
    expect(() => createDeterministicTar([], { mtime: 1.5 })).toThrow(/mtime 1.5/);
  });

  it("ends with two zero blocks and keeps the length a multiple of 512", () => {
    const tar = createDeterministicTar([{ type: "file", path: "x", data: new Uint8Array(513) }]);
    expect(tar.byteLength).toBe(512 + 1024 + 1024);
    expect(tar.subarray(tar.byteLength - 1024).every((byte) => byte === 0)).toBe(true);
    expect(createDeterministicTar([]).byteLength).toBe(1024);
  });

  it("adds missing parent directories so one set of files has one archive form", () => {
    const withoutParents = createDeterministicTar([{ type: "file", path: "a/b/c.yaml", data: encoder.encode("c") }]);
    const withParents = createDeterministicTar([
      { type: "directory", path: "a" },
      { type: "directory", path: "a/b" },
      { type: "file", path: "a/b/c.yaml", data: encoder.encode("c") },
    ]);
    expect(withoutParents).toEqual(withParents);
    expect(readTar(withoutParents).map((entry) => [entry.path, entry.kind])).toEqual([
      ["a/", "directory"],
      ["a/b/", "directory"],
      ["a/b/c.yaml", "file"],
    ]);
  });

  it("splits long names into ustar prefix/name and uses PAX only when that cannot work", () => {
    const d = "d".repeat(60);
    const e = "e".repeat(60);
    const splittable = `${d}/${e}/${"f".repeat(60)}.yaml`;
    const unsplittable = `${"x".repeat(101)}.yaml`;
    const tar = createDeterministicTar([
      { type: "file", path: splittable, data: encoder.encode("1") },
      { type: "file", path: unsplittable, data: encoder.encode("2") },
    ]);
    const headers = rawHeaders(tar);
    expect(headers.map((header) => [header.typeflag, header.prefix, header.name])).toEqual([
      ["5", "", `${d}/`],
      ["5", d, `${e}/`],
      ["0", `${d}/${e}`, `${"f".repeat(60)}.yaml`],
      ["x", "", `PaxHeaders/${"x".repeat(89)}`],
      ["0", "", "x".repeat(100)],
    ]);
    const parsed = readTar(tar);
    expect(parsed.map((entry) => entry.path)).toEqual([`${d}/`, `${d}/${e}/`, splittable, unsplittable]);
    expect(new TextDecoder().decode(parsed[3]?.data)).toBe("2");
  });

  it.each([
    ["../x", /"\.\.\/x" is invalid/],
    ["/abs", /"\/abs" is invalid: it is absolute/],
    ["a//b", /"a\/\/b" is invalid/],
    ["./a", /"\.\/a" is invalid/],
    ["a\\b", /backslash/],
    ["dir/", /ends with \//],
    ["", /is empty/],
  ])("rejects the entry path %j", (path, message) => {
    expect(() => createDeterministicTar([{ type: "file", path, data: new Uint8Array(0) }])).toThrow(message);
  });

  it("rejects duplicates and files used as directories", () => {
    const file = (path: string): TarEntry => ({ type: "file", path, data: new Uint8Array(0) });
    expect(() => createDeterministicTar([file("a"), file("a")])).toThrow(/"a" is listed more than once/);
    expect(() => createDeterministicTar([file("a"), file("a/b")])).toThrow(/"a\/b" is inside "a", which is a file/);
    expect(() => createDeterministicTar([file("a"), { type: "directory", path: "a" }])).toThrow(/listed more than once/);
  });
});

describe("collectTree", () => {
  it("gives identical bytes for one tree created in different places, orders, umasks, modes and mtimes", async () => {
    const first = await scratch("tar-a-");
    const second = await scratch("tar-b-");
    await writeTree(first, SAMPLE_TREE, { umask: 0, mtime: 1_000_000_000, modes: [0o666, 0o777], emptyDirectories: ["empty"] });
    await writeTree(join(second, "nested", "deeper"), SAMPLE_TREE, {
      umask: 0o077,
      reverse: true,
      mtime: 1_900_000_000,
      modes: [0o600, 0o700],
      emptyDirectories: ["empty"],
    });
    const tarA = createDeterministicTar(await collectTree(first));
    const tarB = createDeterministicTar(await collectTree(join(second, "nested", "deeper")));
    expect(tarB).toEqual(tarA);
    expect(sha256Digest(tarA)).toBe(GOLDEN_TAR);
    expect(sha256Digest(deterministicGzip(tarB))).toBe(GOLDEN_TGZ);
  });

  it("maps any execute bit to 0755 and everything else to 0644", async () => {
    const dir = await scratch("tar-modes-");
    await writeTree(dir, [
      { path: "owner-exec", content: "", executable: true },
      { path: "plain", content: "" },
    ], { modes: [0o640, 0o100] });
    const entries = await collectTree(dir);
    expect(entries).toEqual([
      { type: "file", path: "owner-exec", data: expect.any(Uint8Array), executable: true },
      { type: "file", path: "plain", data: expect.any(Uint8Array), executable: false },
    ]);
    const modes = rawHeaders(createDeterministicTar(entries)).map((header) => [header.name, header.mode]);
    expect(modes).toEqual([
      ["owner-exec", "0000755\0"],
      ["plain", "0000644\0"],
    ]);
  });

  it("does not depend on the process working directory", async () => {
    const dir = await scratch("tar-cwd-");
    await writeTree(dir, SAMPLE_TREE, { emptyDirectories: ["empty"] });
    const original = process.cwd();
    try {
      process.chdir(dir);
      const fromInside = createDeterministicTar(await collectTree("."));
      process.chdir("/");
      const fromRoot = createDeterministicTar(await collectTree(dir));
      expect(fromInside).toEqual(fromRoot);
      expect(sha256Digest(fromRoot)).toBe(GOLDEN_TAR);
    } finally {
      process.chdir(original);
    }
  });

  it("gives the same digests in child processes with other time zones, locales and working directories", async () => {
    const dir = await scratch("tar-tz-");
    await writeTree(dir, SAMPLE_TREE, { emptyDirectories: ["empty"] });
    const script = fileURLToPath(new URL("./fixtures/print-digest.ts", import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const results = await Promise.all(
      [
        { TZ: "UTC", LC_ALL: "C" },
        { TZ: "Pacific/Chatham", LC_ALL: "tr_TR.UTF-8", LANG: "tr_TR.UTF-8" },
        { TZ: "America/St_Johns", LC_ALL: "de_DE.UTF-8" },
      ].map(async (env) => {
        const { stdout } = await run(process.execPath, ["--import", tsx, script, dir], {
          cwd: "/",
          env: { ...process.env, ...env },
        });
        return JSON.parse(stdout) as { tar: string; gz: string; offset: number };
      }),
    );
    // The offsets prove the children really ran in different zones.
    expect(new Set(results.map((result) => result.offset)).size).toBe(3);
    for (const result of results) expect({ tar: result.tar, gz: result.gz }).toEqual({ tar: GOLDEN_TAR, gz: GOLDEN_TGZ });
  });

  it("refuses a symlink, naming it", async () => {
    const dir = await scratch("tar-link-");
    await writeTree(dir, SAMPLE_TREE);
    await symlink("../kustomization.yaml", join(dir, "apps", "link.yaml"));
    await expect(collectTree(dir)).rejects.toThrow(/refusing to bundle "apps\/link\.yaml" .*: it is a symbolic link/);
  });

  it("refuses a symlinked directory", async () => {
    const dir = await scratch("tar-dirlink-");
    await writeTree(dir, SAMPLE_TREE);
    await symlink("/etc", join(dir, "etc"));
    await expect(collectTree(dir)).rejects.toThrow(/refusing to bundle "etc" .*symbolic link/);
  });

  it("refuses a FIFO, naming it", async () => {
    const dir = await scratch("tar-fifo-");
    await mkdir(join(dir, "sub"));
    await run("mkfifo", [join(dir, "sub", "pipe")]);
    await expect(collectTree(dir)).rejects.toThrow(/refusing to bundle "sub\/pipe" .*: it is a FIFO/);
  });

  it("refuses a socket, naming it", async () => {
    const dir = await scratch("tar-sock-");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, "sock"), resolve));
    try {
      await expect(collectTree(dir)).rejects.toThrow(/refusing to bundle "sock" .*: it is a socket/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("refuses a root that is not a directory", async () => {
    const dir = await scratch("tar-root-");
    await writeFile(join(dir, "file"), "x");
    await expect(collectTree(join(dir, "file"))).rejects.toThrow(/is not a directory/);
  });
});
