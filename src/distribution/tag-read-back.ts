import { TagConflictError } from "../oci/tag-conflict-error.js";
import type { ContentRepository } from "../oci/types.js";

/**
 * Reads `tag` back after writing it. The registry API has no compare-and-swap, so this is how a
 * writer learns that a concurrent one overwrote its tag; the error names the digest found.
 */
export async function assertTagHolds(repository: ContentRepository, tag: string, digest: string): Promise<void> {
  const found = (await repository.resolve(tag))?.digest ?? null;
  if (found !== digest) throw new TagConflictError(`${repository.location}:${tag}`, digest, found, digest, "after writing");
}
