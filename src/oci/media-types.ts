/**
 * Every media type the kit reads or writes, defined once (the Alga release manifest's own types
 * live with its schema in schemas/release-manifest.ts).
 */

/** Media types defined by the OCI image spec that the client itself understands. */
export const OCI_IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_IMAGE_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_EMPTY_JSON = "application/vnd.oci.empty.v1+json";
export const DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/** Every manifest media type we ask a registry for in `Accept`. */
export const MANIFEST_MEDIA_TYPES = [OCI_IMAGE_MANIFEST, OCI_IMAGE_INDEX, DOCKER_MANIFEST_V2, DOCKER_MANIFEST_LIST];

/** Flux's config artifact (what `flux push artifact` writes and an OCIRepository reads). */
export const FLUX_CONFIG_MEDIA_TYPE = "application/vnd.cncf.flux.config.v1+json";
/** Flux's content layer; an OCIRepository's layerSelector names it with operation `extract`. */
export const FLUX_CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip";
/** A Helm chart pushed to an OCI registry; an OCIRepository selects it with operation `copy`. */
export const HELM_CHART_CONTENT_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/** An OCI image config (cosign writes its signature images with one). */
export const OCI_IMAGE_CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
/** A cosign classic signature layer: its blob is the simple-signing payload. */
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
/** Every sigstore bundle version starts with this; the kit writes v0.3. */
export const SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.bundle";
/** The sigstore bundle the kit writes (cosign v3's `--new-bundle-format`, what Flux >= 2.8 reads first). */
export const SIGSTORE_BUNDLE_MEDIA_TYPE = `${SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX}.v0.3+json`;
/** DSSE payload type of an in-toto statement. */
export const INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** A container image layer, gzip-compressed (OCI) and its Docker schema 2 twin (same bytes). */
export const OCI_IMAGE_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const DOCKER_IMAGE_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** A Docker schema 2 image config (same JSON as an OCI image config). */
export const DOCKER_IMAGE_CONFIG = "application/vnd.docker.container.image.v1+json";
/** An SPDX 2.3 document in JSON (IANA-registered). */
export const SPDX_JSON_MEDIA_TYPE = "application/spdx+json";
