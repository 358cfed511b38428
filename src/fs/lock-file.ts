/**
 * An advisory lock between processes on one machine: a lock file created with O_EXCL, holding
 * the owner's pid and host. A lock whose owner process is gone (same host, pid not running) is
 * stale and taken over, so a crashed writer never blocks the next one; a lock held by a live
 * process is waited for, up to a limit, then refused with a message naming the holder.
 *
 * Known limit: two waiters that find the same stale lock at the same instant may both remove it;
 * the O_EXCL create that follows still lets only one of them in at a time for the fresh lock,
 * except that the slower remover can delete the faster one's fresh lock. That needs a crashed
 * writer and two new writers within microseconds of each other.
 */
import { hostname } from "node:os";
import { open, readFile, stat, unlink } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { processIsAlive } from "./process-alive.js";

export interface LockOptions {
  /** Longest wait for a live holder. Default 60 s. */
  readonly waitMs?: number;
  /** A lock file that stays empty or unreadable this long is treated as stale. Default 30 s. */
  readonly unreadableStaleMs?: number;
  /** What is being locked, for messages. */
  readonly what: string;
}

/** The lock stayed held by a live process past the wait. */
export class LockHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockHeldError";
  }
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Runs `work` while holding the lock file at `path`, and removes the lock afterwards whatever happens. */
export async function withLockFile<T>(path: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const release = await acquire(path, options);
  try {
    return await work();
  } finally {
    await release();
  }
}

async function acquire(path: string, options: LockOptions): Promise<() => Promise<void>> {
  const waitMs = options.waitMs ?? 60_000;
  const started = Date.now();
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, "wx", 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      return () => unlink(path).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = await readOwner(path);
    if (await isStale(path, owner, options.unreadableStaleMs ?? 30_000)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() - started >= waitMs) {
      const who = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.since})` : "another process";
      throw new LockHeldError(
        `${options.what} is locked by ${who}: waited ${Math.round(waitMs / 1000)} s for ${path}. ` +
          `If no publish or promote is running there, remove ${path}`,
      );
    }
    // Short, jittered waits: layout writes take milliseconds.
    await delay(Math.min(200, 10 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random() / 2));
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<LockOwner>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") return { pid: parsed.pid, host: parsed.host, since: String(parsed.since) };
  } catch {
    // Being written right now, or garbage: judged by age below.
  }
  return undefined;
}

async function isStale(path: string, owner: LockOwner | undefined, unreadableStaleMs: number): Promise<boolean> {
  if (owner === undefined) {
    const info = await stat(path).catch(() => undefined);
    // Gone already: not stale, just free; the next create decides.
    if (info === undefined) return false;
    return Date.now() - info.mtimeMs > unreadableStaleMs;
  }
  // Another host's lock (a shared filesystem) cannot be checked: it is never taken over.
  if (owner.host !== hostname()) return false;
  return !processIsAlive(owner.pid);
}

