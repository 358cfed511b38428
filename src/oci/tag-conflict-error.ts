/**
 * A tag did not hold what the writer expected: another writer got there first, or moved it after
 * us. The registry API has no compare-and-swap, so this is found by checking just before writing
 * and by reading the tag back after; an OCI image layout checks under its lock.
 */
export class TagConflictError extends Error {
  constructor(
    /** `location:tag` */
    readonly tag: string,
    /** What the tag was expected to hold (null: nothing). */
    readonly expected: string | null,
    /** What it holds (null: nothing). */
    readonly found: string | null,
    /** The manifest this writer wanted it to hold. */
    readonly ours: string,
    when: "before writing" | "after writing" = "before writing",
  ) {
    super(
      when === "after writing"
        ? `${tag} was moved by a concurrent writer: it now points at ${found ?? "nothing"}, not at ${ours} just written; nothing after it was done`
        : `${tag} changed under us: expected it to point at ${expected ?? "nothing"}, but it points at ${found ?? "nothing"} (another writer); ${ours} was not tagged`,
    );
    this.name = "TagConflictError";
  }
}
