/**
 * Names of namespaces and objects that several parts of the kit must agree on: the constructs
 * render them, synth and the policies refer to them, pull writes Flux's source with them, the
 * status service looks them up. Written here once; test/structure/layering.test.ts refuses a
 * copy of any of them as a literal in src/ or constructs/.
 */

/** Flux's own namespace: the config bundle's OCIRepository and the tier Kustomizations live there. */
export const FLUX_NAMESPACE = "flux-system";

/** The appliance's system namespace: the status service and the platform's own services. */
export const SYSTEM_NAMESPACE = "alga-system";

/**
 * The appliance's name: the OCIRepository (and root Kustomization) Flux reads the config bundle
 * through, and the `app.kubernetes.io/part-of` label of everything the kit renders.
 */
export const APPLIANCE_NAME = "alga-appliance";

/** The kit's own name: the `app.kubernetes.io/managed-by` label and the registry user agent. */
export const KIT_NAME = "appliance-release-kit";

/** The status service's Deployment, Service and ServiceAccount. */
export const STATUS_SERVICE_NAME = "appliance-status";
/** Secret (key `token`) the control plane writes during setup: the status page's token. */
export const STATUS_TOKEN_SECRET = "appliance-status-auth";
/** ConfigMap with the site values the status shows (site id, login URL), written by the control plane. */
export const STATUS_SETTINGS_CONFIG_MAP = "appliance-status-settings";
/** The read-only ClusterRole the status service's account is bound to. */
export const STATUS_READER_ROLE = "appliance-status-readonly";

/**
 * The appliance's state directory on the host: the control plane keeps its state there, and an
 * offline appliance's local registry (issue 18) its storage, below it.
 */
export const APPLIANCE_STATE_DIRECTORY = "/var/lib/alga-appliance";

/**
 * An offline appliance's local registry (issue 18): its namespace, and its Deployment, Service,
 * ServiceAccount and NetworkPolicy. The host bootstrap applies it with the control plane, before Flux.
 */
export const LOCAL_REGISTRY_NAMESPACE = "alga-appliance-registry";
export const LOCAL_REGISTRY_NAME = "appliance-registry";
/**
 * UID and GID the local registry runs as (non-root): the owner of its storage directory, which the
 * installer creates with that owner (a hostPath volume ignores fsGroup). Not the control plane's
 * 10001, so neither can write the other's files.
 */
export const LOCAL_REGISTRY_UID = 10002;
