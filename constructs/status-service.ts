import { ApiObject, Duration, JsonPatch, Size } from "cdk8s";
import {
  ApiResource,
  ConfigMap,
  Cpu,
  EnvValue,
  Deployment,
  ImagePullPolicy,
  LabelSelector,
  Probe,
  Protocol,
  Role,
  RoleBinding,
  Secret,
  Service,
  ServiceAccount,
  ServiceType,
  Volume,
  type IServiceAccount,
} from "cdk8s-plus-31";
import { Construct } from "constructs";
import { STATUS_CONTAINER, statusServiceArgs } from "../schemas/status-container.js";
import { standardLabels } from "./labels.js";
import { restrictedContainerSecurity } from "./restricted-security-context.js";
import { STATUS_SERVICE_NAME, STATUS_SETTINGS_CONFIG_MAP, STATUS_TOKEN_SECRET, SYSTEM_NAMESPACE } from "../schemas/names.js";

/** Port the status service listens on: beside the control plane's 8080, never on it (the image exposes it). */
const STATUS_SERVICE_PORT = STATUS_CONTAINER.port;
const NAME = STATUS_SERVICE_NAME;
const TOKEN_DIRECTORY = STATUS_CONTAINER.tokenDirectory;

export interface StatusServiceProps {
  /** The status service image (from the release file, pinned like every image). */
  readonly image: string;
  /**
   * Namespace of the Deployment, Service and token Secret.
   * @default "alga-system"
   */
  readonly namespace?: string;
  /**
   * Service account the pod reads the cluster as; ApplianceStatusAccess renders it and binds it
   * to the read-only appliance-status-readonly ClusterRole.
   * @default "appliance-status"
   */
  readonly serviceAccountName?: string;
  /**
   * Port the service listens on and publishes.
   * @default 8090
   */
  readonly port?: number;
  /**
   * Secret holding the token under key `token`, written by the control plane.
   * @default "appliance-status-auth"
   */
  readonly tokenSecretName?: string;
  /**
   * How the page reaches the operator's browser. k3s's ServiceLB publishes a LoadBalancer
   * Service on the node's own address, which is what `http://<node-ip>:8090` needs; a hostPort
   * would break the restricted Pod Security level.
   * @default ServiceType.LOAD_BALANCER
   */
  readonly serviceType?: ServiceType;
  /**
   * ConfigMap (keys `siteId`, `loginUrl`, `statusUrl`) the control plane writes at setup; optional.
   * @default "appliance-status-settings"
   */
  readonly settingsConfigMapName?: string;
  /**
   * Seconds between two reads of the cluster (one list per kind each time).
   * @default 15
   */
  readonly refreshSeconds?: number;
  /**
   * UID and GID the service runs as: the image's user, which owns the application files.
   * @default 65532
   */
  readonly runAsId?: number;
}

/**
 * The appliance status service (src/services/status): a Deployment and a Service in the platform
 * tier, so it is up minutes into an install, before the app. It meets the restricted Pod Security
 * level, reads the cluster only through its read-only service account, and takes its token from
 * a Secret the control plane writes (mounted optional: until it exists, the page answers 503).
 */
export class StatusService extends Construct {
  readonly deployment: Deployment;
  readonly service: Service;

  constructor(scope: Construct, id: string, props: StatusServiceProps) {
    super(scope, id);
    const port = props.port ?? STATUS_SERVICE_PORT;
    if (port === 8080) throw new Error("status service: port 8080 belongs to the control plane; choose another (default 8090)");
    const uid = props.runAsId ?? STATUS_CONTAINER.uid;
    const labels = standardLabels(NAME, "status");
    const metadata = { name: NAME, namespace: props.namespace ?? SYSTEM_NAMESPACE, labels };

    const settings = ConfigMap.fromConfigMapName(this, "Settings", props.settingsConfigMapName ?? STATUS_SETTINGS_CONFIG_MAP);
    this.deployment = new Deployment(this, "Deployment", {
      metadata,
      podMetadata: { labels },
      select: false,
      replicas: 1,
      serviceAccount: ServiceAccount.fromServiceAccountName(this, "ServiceAccount", props.serviceAccountName ?? NAME),
      // It lists the cluster with this account's token.
      automountServiceAccountToken: true,
      securityContext: { user: uid, group: uid, ensureNonRoot: true },
      containers: [
        {
          name: "status",
          image: props.image,
          imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
          // The image's default command with these defaults: the Deployment states it so a reader sees it.
          args: statusServiceArgs({ port, refreshSeconds: props.refreshSeconds ?? STATUS_CONTAINER.refreshSeconds }),
          ports: [{ number: port, name: "http" }],
          // Site values are known only at setup: the control plane writes them to an optional ConfigMap.
          envVariables: Object.fromEntries(
            (
              [
                ["APPLIANCE_SITE_ID", "siteId"],
                ["APPLIANCE_LOGIN_URL", "loginUrl"],
                ["APPLIANCE_STATUS_URL", "statusUrl"],
              ] as const
            ).map(([variable, key]) => [variable, EnvValue.fromConfigMap(settings, key, { optional: true })]),
          ),
          securityContext: restrictedContainerSecurity(uid),
          liveness: Probe.fromHttpGet("/healthz", { port, periodSeconds: Duration.seconds(20), failureThreshold: 3 }),
          readiness: Probe.fromHttpGet("/healthz", { port, periodSeconds: Duration.seconds(10) }),
          resources: {
            cpu: { request: Cpu.millis(50), limit: Cpu.millis(500) },
            memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
          },
        },
      ],
    });
    this.deployment.select(LabelSelector.of({ labels: { "app.kubernetes.io/name": NAME } }));
    // Restricted Pod Security also at pod level, so any container added later inherits it.
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", { type: "RuntimeDefault" }));
    // The root filesystem is read-only; Node and its loader may still want a scratch directory.
    this.deployment.containers[0]!.mount(STATUS_CONTAINER.scratchDirectory, Volume.fromEmptyDir(this, "Tmp", "tmp"));
    this.deployment.containers[0]!.mount(
      TOKEN_DIRECTORY,
      Volume.fromSecret(this, "Token", Secret.fromSecretName(this, "TokenSecret", props.tokenSecretName ?? STATUS_TOKEN_SECRET), { name: "token", optional: true }),
      { readOnly: true },
    );

    this.service = new Service(this, "Service", {
      metadata,
      type: props.serviceType ?? ServiceType.LOAD_BALANCER,
      ports: [{ name: "http", port, targetPort: port, protocol: Protocol.TCP }],
    });
    // Select by the stable name label, not cdk8s's construct-path label, which changes on refactors.
    this.service.selectLabel("app.kubernetes.io/name", NAME);
    // Keep the client's address (no SNAT), so wrong-token rate limiting counts per client, not per node.
    if ((props.serviceType ?? ServiceType.LOAD_BALANCER) !== ServiceType.CLUSTER_IP) {
      ApiObject.of(this.service).addJsonPatch(JsonPatch.add("/spec/externalTrafficPolicy", "Local"));
    }
  }
}

/**
 * Lets the control plane write the status token Secret: update/patch on that one Secret by name,
 * never a read (the `no-secret-reads` policy). Rendered with the control plane's RBAC (the host bootstrap applies it before setup runs).
 */
export function statusTokenWriteGrant(scope: Construct, serviceAccount: IServiceAccount, props: { namespace?: string; tokenSecretName?: string } = {}): Role {
  const namespace = props.namespace ?? SYSTEM_NAMESPACE;
  const secretName = props.tokenSecretName ?? STATUS_TOKEN_SECRET;
  const roleName = "appliance-control-plane-status-token";
  const metadata = { name: roleName, namespace, labels: standardLabels(roleName, "rbac") };
  const role = new Role(scope, "StatusTokenWriter", { metadata });
  role.allow(["update", "patch"], Secret.fromSecretName(scope, "StatusTokenSecret", secretName));
  // Kubernetes cannot restrict create by resourceNames: the name is not known when create is authorised.
  role.allow(["create"], ApiResource.SECRETS);
  new RoleBinding(scope, "StatusTokenWriterBinding", { metadata, role }).addSubjects(serviceAccount);
  return role;
}
