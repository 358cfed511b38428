/** Media types defined by the OCI image spec that the client itself understands. */
export const OCI_IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_IMAGE_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_EMPTY_JSON = "application/vnd.oci.empty.v1+json";
export const DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/** Every manifest media type we ask a registry for in `Accept`. */
export const MANIFEST_MEDIA_TYPES = [OCI_IMAGE_MANIFEST, OCI_IMAGE_INDEX, DOCKER_MANIFEST_V2, DOCKER_MANIFEST_LIST];

/** Annotation that names a manifest inside an OCI image layout's index.json. */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
