import { ApiObject, Duration, JsonPatch, Size } from "cdk8s";
import {
  ConfigMap,
  Cpu,
  Deployment,
  DeploymentStrategy,
  HostPathVolumeType,
  ImagePullPolicy,
  LabelSelector,
  Probe,
  Protocol,
  Service,
  ServiceAccount,
  ServiceType,
  Volume,
} from "cdk8s-plus-31";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { standardLabels } from "./labels.js";
import type { PodSecurityLevel } from "./namespace.js";
import { restrictedContainerSecurity } from "./restricted-security-context.js";
import { APPLIANCE_STATE_DIRECTORY, FLUX_NAMESPACE, LOCAL_REGISTRY_NAME, LOCAL_REGISTRY_NAMESPACE, LOCAL_REGISTRY_UID } from "../schemas/names.js";

/**
 * Pod Security level enforced in the registry's namespace: its storage is a hostPath volume, which
 * no level below `privileged` admits. Its container is otherwise restricted, and release files
 * waive exactly that volume.
 */
export const LOCAL_REGISTRY_POD_SECURITY: PodSecurityLevel = "privileged";

/** Where the registry keeps its storage inside the container (the distribution image's default). */
const STORAGE_DIRECTORY = "/var/lib/registry";
/** Where its configuration file is mounted (from a ConfigMap); the image's entrypoint serves a file given as its argument. */
const CONFIG_DIRECTORY = "/etc/alga-appliance-registry";
const CONFIG_FILE = "config.yml";

/**
 * The registry's whole configuration, stated here rather than left to the image's defaults.
 * `validation.manifests.indexes.platforms: none` (distribution 3): an archive exported for some
 * platforms holds an image index whose other platforms' manifests are absent, which the registry
 * would otherwise refuse; `airgap import` has already verified every manifest the archive holds.
 * Deletes are off: nothing but an import writes here.
 */
function registryConfig(port: number): string {
  return stringify(
    {
      version: 0.1,
      log: { fields: { service: LOCAL_REGISTRY_NAME } },
      storage: { filesystem: { rootdirectory: STORAGE_DIRECTORY }, delete: { enabled: false } },
      http: { addr: `:${port}` },
      validation: { manifests: { indexes: { platforms: "none" } } },
    },
    { lineWidth: 0 },
  );
}

export interface LocalRegistryProps {
  /** The CNCF distribution registry image, pinned by digest. */
  readonly image: string;
  /**
   * Fixed ClusterIP of the registry's Service: the address k3s's containerd mirrors registries to
   * and Flux reads from. A ClusterIP rather than a host port or NodePort: containerd on the node
   * reaches it through kube-proxy with no cluster DNS (which is not up yet when the first pods
   * pull), pods reach it the same way, and it is never bound on the node's network, where anyone
   * on the site's LAN could push to an unauthenticated registry.
   */
  readonly clusterIP: string;
  /**
   * Port of the Service and the container.
   * @default 5000
   */
  readonly port?: number;
  /**
   * Host directory holding the registry's storage. It must exist, owned by `runAsId` (the installer
   * creates it): a hostPath volume ignores fsGroup, and a directory the kubelet created would be root's.
   * @default "/var/lib/alga-appliance/registry"
   */
  readonly hostPath?: string;
  /**
   * Namespace the registry runs in.
   * @default "alga-appliance-registry"
   */
  readonly namespace?: string;
  /**
   * UID and GID the registry runs as.
   * @default 10002
   */
  readonly runAsId?: number;
  /**
   * Namespaces whose pods may reach the registry (the node itself always may: its containerd pulls
   * through it, and `airgap import` runs there).
   * @default ["flux-system"] - Flux's source-controller reads the charts and the config bundle
   */
  readonly clientNamespaces?: readonly string[];
}

/**
 * An offline appliance's local registry: the CNCF distribution registry serving, over plain HTTP
 * on a fixed ClusterIP, what `airgap import` put into its host directory. One replica, restricted
 * Pod Security except for its hostPath storage (waived in the release file), no service-account
 * token, no egress at all (it is never a pull-through cache), ingress only from the node and Flux.
 */
export class LocalRegistry extends Construct {
  readonly deployment: Deployment;
  readonly service: Service;
  /** `host:port` of the registry, as containerd and Flux address it. */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: LocalRegistryProps) {
    super(scope, id);
    const namespace = props.namespace ?? LOCAL_REGISTRY_NAMESPACE;
    const port = props.port ?? 5000;
    const uid = props.runAsId ?? LOCAL_REGISTRY_UID;
    const hostPath = props.hostPath ?? `${APPLIANCE_STATE_DIRECTORY}/registry`;
    const labels = standardLabels(LOCAL_REGISTRY_NAME, "registry");
    const metadata = { name: LOCAL_REGISTRY_NAME, namespace, labels };
    this.endpoint = `${props.clusterIP}:${port}`;

    // Its own account, with no token: the registry never talks to the API server.
    const serviceAccount = new ServiceAccount(this, "ServiceAccount", { metadata, automountToken: false });
    this.deployment = new Deployment(this, "Deployment", {
      metadata,
      podMetadata: { labels },
      select: false,
      replicas: 1,
      // One writer of the host directory at a time: an upload in flight must not meet a second registry.
      strategy: DeploymentStrategy.recreate(),
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { user: uid, group: uid, ensureNonRoot: true },
      containers: [
        {
          name: "registry",
          image: props.image,
          // The image comes from the ISO's bootstrap archive; there is no network to pull it from.
          imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
          securityContext: restrictedContainerSecurity(uid),
          ports: [{ number: port, name: "http", protocol: Protocol.TCP }],
          args: [`${CONFIG_DIRECTORY}/${CONFIG_FILE}`],
          // Distribution 3 exports traces to localhost:4318 unless told not to; this pod has no egress and no collector.
          envVariables: { OTEL_TRACES_EXPORTER: { value: "none" } },
          liveness: Probe.fromHttpGet("/v2/", { port, periodSeconds: Duration.seconds(20), failureThreshold: 3 }),
          readiness: Probe.fromHttpGet("/v2/", { port, periodSeconds: Duration.seconds(10) }),
          resources: {
            cpu: { request: Cpu.millis(50), limit: Cpu.millis(1000) },
            memory: { request: Size.mebibytes(64), limit: Size.mebibytes(512) },
          },
        },
      ],
    });
    this.deployment.select(LabelSelector.of({ labels: { "app.kubernetes.io/name": LOCAL_REGISTRY_NAME } }));
    // Restricted Pod Security also at pod level, so any container added later inherits it.
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", { type: "RuntimeDefault" }));
    const container = this.deployment.containers[0]!;
    // The one thing below the restricted level: the storage lives on the host, so it outlives the pod
    // and a reinstall of k3s. `Directory`, not `DirectoryOrCreate`: a missing directory stops the pod
    // with a clear event instead of being created as root's, where the registry could not write.
    container.mount(STORAGE_DIRECTORY, Volume.fromHostPath(this, "Storage", "storage", { path: hostPath, type: HostPathVolumeType.DIRECTORY }));
    const config = new ConfigMap(this, "Config", { metadata, data: { [CONFIG_FILE]: registryConfig(port) } });
    container.mount(CONFIG_DIRECTORY, Volume.fromConfigMap(this, "ConfigVolume", config, { name: "config" }), { readOnly: true });
    // The root filesystem is read-only; Go falls back to /tmp for scratch files.
    container.mount("/tmp", Volume.fromEmptyDir(this, "Tmp", "tmp"));

    this.service = new Service(this, "Service", {
      metadata,
      type: ServiceType.CLUSTER_IP,
      clusterIP: props.clusterIP,
      ports: [{ name: "http", port, targetPort: port, protocol: Protocol.TCP }],
    });
    this.service.selectLabel("app.kubernetes.io/name", LOCAL_REGISTRY_NAME);

    // Traffic from the node to its own pods is always allowed by NetworkPolicy (containerd's pulls,
    // `airgap import` on the host, the host-network control plane); of the pods, only Flux's. No egress.
    const clients = props.clientNamespaces ?? [FLUX_NAMESPACE];
    new ApiObject(this, "NetworkPolicy", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata,
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": LOCAL_REGISTRY_NAME } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: clients.map((client) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": client } } })),
            ports: [{ protocol: "TCP", port }],
          },
        ],
      },
    });
  }
}
