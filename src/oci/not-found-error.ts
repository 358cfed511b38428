/**
 * The one "not found" of the content model (see ContentRepository): the manifest or blob asked for
 * is not in the repository. A registry throws it for a 404 (MANIFEST_UNKNOWN, BLOB_UNKNOWN,
 * NAME_UNKNOWN), an image layout for a missing index entry or blob file, so a caller tells
 * "missing" from "broken" or "refused" one way, whatever the repository is.
 */
export type MissingContent = "manifest" | "blob";

export class NotFoundError extends Error {
  constructor(
    readonly kind: MissingContent,
    /** The tag or digest asked for. */
    readonly reference: string,
    /** The repository's `location`. */
    readonly location: string,
    message = `${kind} ${reference} not found in ${location}`,
  ) {
    super(message);
    this.name = "NotFoundError";
  }
}
