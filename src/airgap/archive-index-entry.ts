/**
 * An index.json entry naming one reference, as the archive writes it and as an import into a
 * layout writes it again: `org.opencontainers.image.ref.name` holds the full reference, the role
 * says what it is, and container images also carry `io.containerd.image.name` (what `ctr images
 * import` and k3s's auto-import name an image by).
 */
import { ANNOTATION_REF_NAME } from "../oci/annotations.js";
import type { IndexEntry } from "../oci/layout-index.js";
import type { Descriptor } from "../oci/types.js";
import { ANNOTATION_CONTAINERD_IMAGE_NAME, ANNOTATION_ROLE, type ArchiveRole } from "./vocabulary.js";

export function archiveIndexEntry(reference: string, descriptor: Descriptor, role: ArchiveRole): IndexEntry {
  const annotations: Record<string, string> = { [ANNOTATION_REF_NAME]: reference, [ANNOTATION_ROLE]: role };
  if (role === "image") annotations[ANNOTATION_CONTAINERD_IMAGE_NAME] = reference;
  return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size, annotations };
}
