/**
 * Issue 7, point 5: the lock file writers of an OCI image layout take. A lock left by a process
 * that is gone is taken over; one held by a live process is waited for, then refused by name.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LockHeldError, withLockFile } from "../../src/fs/lock-file.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { tempDir } from "../support/temp-dir.js";
import { artifactFixture } from "./test-helpers.js";

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("the layout lock", () => {
  it("takes over a stale lock left by a process that is gone, and removes its own afterwards", async () => {
    const root = tempDir();
    mkdirSync(join(root, "alga"));
    const lock = join(root, "alga", "repo.lock");
    writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: hostname(), since: "2026-01-01T00:00:00Z" }));
    const fixture = artifactFixture("stale");
    const repo = openLayoutRepository(root, "alga/repo");
    for (const blob of [fixture.config, fixture.layer]) await repo.pushBlob(blob.descriptor, blob.data);
    await repo.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, "1.0");
    expect(await repo.listTags()).toEqual(["1.0"]);
    expect(existsSync(lock)).toBe(false);
  });

  it("waits for a live holder, then refuses naming it and the file to remove", async () => {
    const lock = join(tempDir(), "layout.lock");
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), since: "2026-01-01T00:00:00Z" }));
    const started = Date.now();
    const error = await withLockFile(lock, { what: "OCI image layout x", waitMs: 300 }, async () => "ran").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toContain(`OCI image layout x is locked by process ${process.pid} on ${hostname()}`);
    expect((error as Error).message).toContain(`remove ${lock}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(existsSync(lock)).toBe(true);
  });
});
