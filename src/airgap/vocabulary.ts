/**
 * The offline archive's vocabulary, defined once: annotation keys, roles, ceilings.
 *
 * The archive is one OCI image layout (image-spec `image-layout.md`) packed as a tar. Every
 * entry of its index.json names one reference: `org.opencontainers.image.ref.name` holds the full
 * reference (`ghcr.io/nine-minds/pgbouncer:1.23.1`, `…/pgbouncer@sha256:…`), and container
 * images also carry `io.containerd.image.name` with the same value, which is what
 * `ctr images import` and k3s's auto-import name the image by.
 */

/** containerd's image-name annotation on an index.json descriptor (containerd `images.AnnotationImageName`). */
export const ANNOTATION_CONTAINERD_IMAGE_NAME = "io.containerd.image.name";

/** What an index.json entry is, so import knows where it goes and what to verify. */
export const ANNOTATION_ROLE = "dev.alga.airgap.role";
/** Top-level index.json annotations: the release, the platforms chosen, the base of a delta, the signing identity. */
export const ANNOTATION_RELEASE = "dev.alga.airgap.release";
export const ANNOTATION_PLATFORMS = "dev.alga.airgap.platforms";
export const ANNOTATION_SINCE = "dev.alga.airgap.since";
export const ANNOTATION_IDENTITY = "dev.alga.airgap.identity";

/**
 * `image`: a container image the lock pins; `chart`: an OCI Helm chart the lock pins; `release`
 * and `config`: the release artifact and its config bundle (repositories of the release store,
 * named without a host); `statement`: the signed channel statement naming the release (export
 * --channel), named at its history tag `alga-appliance-channels:<sequence>-<channel>` only, so the
 * archive alone never moves a channel; `signature`: a cosign `.sig` image or referrers index of any of them.
 */
export const ROLES = ["image", "chart", "release", "config", "statement", "signature"] as const;
export type ArchiveRole = (typeof ROLES)[number];

/** Image layers get their own ceiling (the config bundle keeps MAX_LAYER_BYTES of src/oci/limits.ts). */
export const DEFAULT_IMAGE_LAYER_CEILING = 8 * 1024 ** 3;

/** Platforms exported when none are named. */
export const DEFAULT_PLATFORMS = ["linux/amd64"];
