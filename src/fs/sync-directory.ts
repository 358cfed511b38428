import { open } from "node:fs/promises";

/**
 * Makes renames into `directory` durable: one fsync of the directory, rather than one per file.
 * Best effort: some filesystems refuse to fsync a directory, and atomicity does not depend on it.
 */
export async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability of the rename is a bonus; atomicity does not depend on it.
  }
}
