import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { LockHeldError, withLockFile } from "../fs/lock-file.js";

/** The lock file in an output root that one synth holds while it writes there. */
const SYNTH_LOCK_FILE = ".synth.lock";

/**
 * Runs `write` while holding the output root's synth lock. Two synth runs in one checkout render
 * in parallel, but write one after the other: each release directory is replaced whole, and one
 * run's clean-up of leftovers never removes the other's staging directory. A run that finds the
 * lock held says whom it waits for; one whose holder died takes the lock over.
 */
export async function withSynthOutputLock<T>(outRoot: string, waiting: (message: string) => void, write: () => Promise<T>): Promise<T> {
  await mkdir(outRoot, { recursive: true });
  const path = join(outRoot, SYNTH_LOCK_FILE);
  const what = `the synth output ${outRoot}`;
  try {
    // A first attempt that does not wait, so that a wait is announced before it starts.
    return await withLockFile(path, { what, waitMs: 0 }, write);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
  }
  waiting(`waiting for another synth writing ${outRoot} (lock ${path})`);
  try {
    return await withLockFile(path, { what }, write);
  } catch (error) {
    if (error instanceof LockHeldError) {
      throw new LockHeldError(`another synth is still writing ${outRoot}; ${error.message}`);
    }
    throw error;
  }
}
