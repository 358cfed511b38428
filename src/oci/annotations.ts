/** OCI annotation keys the kit reads or writes, defined once (image-spec `annotations.md`). */

/** Names a manifest inside an OCI image layout's index.json: the layout's form of a tag. */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
/** Where the artifact's content came from (a repository URL). */
export const ANNOTATION_SOURCE = "org.opencontainers.image.source";
/** The source revision (a commit). */
export const ANNOTATION_REVISION = "org.opencontainers.image.revision";
/** Creation time, RFC 3339; from SOURCE_DATE_EPOCH so digests are reproducible. */
export const ANNOTATION_CREATED = "org.opencontainers.image.created";
/** The version of the packaged software (the release version). */
export const ANNOTATION_VERSION = "org.opencontainers.image.version";
/** Digest of the image an image was built on (image-spec: on the image manifest). */
export const ANNOTATION_BASE_DIGEST = "org.opencontainers.image.base.digest";
/** Reference of the image an image was built on. */
export const ANNOTATION_BASE_NAME = "org.opencontainers.image.base.name";
