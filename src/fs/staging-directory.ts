/**
 * A temporary sibling of an output directory, where work happens before it is moved into place.
 * Its name carries the owner's pid (`<target>.<purpose>-<pid>-XXXXXX`), so that:
 *   - SIGINT/SIGTERM remove it before the process ends (a handler is installed while it exists);
 *   - a later run removes ones whose owner process is gone (a SIGKILL, a power cut), and leaves
 *     alone those of a run still in progress.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { processIsAlive } from "./process-alive.js";

export interface StagingDirectory {
  readonly path: string;
  /** Removes the directory (unless it was moved away) and the signal handlers. */
  dispose(options?: { keep?: boolean }): Promise<void>;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Creates `<target>.<purpose>-<pid>-XXXXXX` beside `target` (whose parent must exist). `alsoRemove`
 * is removed too when a signal arrives (e.g. a parent directory the run created).
 *
 * The handlers are installed before the directory exists and it is created synchronously: a signal
 * that arrives once it exists finds them (Node runs them from the event loop, after this returns, so
 * `path` is known), and no signal can land between its creation and their installation, where the
 * default action would end the process and leave it behind.
 */
export async function createStagingDirectory(target: string, purpose: string, alsoRemove?: string): Promise<StagingDirectory> {
  let path: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A write still under way in the thread pool may add a file while a tree is removed
    // (ENOTEMPTY): retried; a removal that still fails neither skips the other tree nor stops the
    // process dying below.
    for (const dir of [path, alsoRemove]) {
      try {
        if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 });
      } catch {
        // Left behind, as a kill would leave it: the staging directory for the next run's
        // removeStaleStaging, a created parent for the operator.
      }
    }
    removeHandlers();
    // Die of the same signal, as if no handler had been installed (exit status 128 + signal).
    process.kill(process.pid, signal);
  };
  const removeHandlers = () => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    path = mkdtempSync(`${target}.${purpose}-${process.pid}-`);
  } catch (error) {
    removeHandlers();
    throw error;
  }
  const created = path;
  return {
    path: created,
    async dispose(options = {}) {
      removeHandlers();
      if (!options.keep) {
        await rm(created, { recursive: true, force: true });
        if (alsoRemove) await rm(alsoRemove, { recursive: true, force: true });
      }
    },
  };
}

/** Removes staging directories of `target` for `purpose` whose owner process no longer runs. Returns their paths. */
export async function removeStaleStaging(target: string, purpose: string): Promise<string[]> {
  const parent = dirname(target);
  const pattern = new RegExp(`^${escapeRegExp(basename(target))}\\.${escapeRegExp(purpose)}-(\\d+)-[A-Za-z0-9]{6}$`);
  const names = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(pid) || processIsAlive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    removed.push(join(parent, name));
  }
  return removed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
