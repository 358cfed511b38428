/**
 * The writers' lock of an OCI image layout: a lock file beside the layout directory
 * (`<layout>.lock`, see src/fs/lock-file.ts), taken around creating the layout and around every
 * read-modify-write of index.json, so two publishes into one layout lose no tag. Readers take no
 * lock: every file of a layout is replaced atomically. Blob files need none: each is
 * content-addressed and appears by an atomic rename.
 */
import { dirname } from "node:path";
import { withLockFile } from "../fs/lock-file.js";
import type { Deadline } from "./deadline.js";
import { makeDirectories } from "./layout-files.js";

/** A writer waits this long for another writer's lock at most. */
const LOCK_WAIT_MS = 60_000;

/** Runs `work` holding the lock of the layout at `layoutDir`; the wait fits inside `deadline`. */
export async function withLayoutLock<T>(layoutDir: string, deadline: Deadline | undefined, work: () => Promise<T>): Promise<T> {
  await makeDirectories(dirname(layoutDir));
  const waitMs = Math.min(LOCK_WAIT_MS, deadline?.remainingMs() ?? LOCK_WAIT_MS);
  return withLockFile(`${layoutDir}.lock`, { what: `OCI image layout ${layoutDir}`, waitMs }, work);
}
