import { Duration, Size } from "cdk8s";
import {
  ApiResource,
  type IApiResource,
  Cpu,
  Deployment,
  DeploymentStrategy,
  DnsPolicy,
  ImagePullPolicy,
  LabelSelector,
  Probe,
  Role,
  RoleBinding,
  Secret,
  ServiceAccount,
  Volume,
} from "cdk8s-plus-31";
import { Construct } from "constructs";
import { FLUX_RESOURCES } from "./api-resources.js";
import { standardLabels } from "./labels.js";
import type { PodSecurityLevel } from "./namespace.js";
import { restrictedContainerSecurity } from "./restricted-security-context.js";
import { StatusReaderRole } from "./status-reader-role.js";
import { APPLICATION_NAMESPACES } from "../schemas/components.js";
import { APPLIANCE_STATE_DIRECTORY, FLUX_NAMESPACE } from "../schemas/names.js";

/** Namespace the control plane runs in. */
export const CONTROL_PLANE_NAMESPACE = "alga-appliance-control-plane";

/**
 * Pod Security level enforced in the control plane's namespace. The control plane serves setup on
 * the host network and keeps the appliance state in a host directory, which no level below
 * `privileged` admits; its container is otherwise restricted, and release files waive exactly
 * these two fields.
 */
export const CONTROL_PLANE_POD_SECURITY: PodSecurityLevel = "privileged";

/** Secrets setup creates in each application namespace (initial tenant + admin, license seed). */
const SETUP_SECRETS = ["appliance-initial-tenant", "appliance-license-seed"] as const;

export interface ControlPlaneProps {
  /** Control-plane image (from the release). */
  readonly image: string;
  /**
   * Namespace the control plane runs in.
   * @default "alga-appliance-control-plane"
   */
  readonly namespace?: string;
  /**
   * Namespaces where setup writes site values ConfigMaps and the initial-tenant / license Secrets.
   * @default APPLICATION_NAMESPACES (schemas/components.ts)
   */
  readonly applicationNamespaces?: readonly string[];
  /**
   * Namespace holding the Flux source and root Kustomization that setup creates.
   * @default "flux-system"
   */
  readonly fluxNamespace?: string;
  /**
   * Port the setup and status UI listens on, on the host network.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Host directory holding the appliance state, mounted at the same path.
   * @default "/var/lib/alga-appliance"
   */
  readonly hostStateDirectory?: string;
  /**
   * Secret holding the setup token that the host bootstrap generates.
   * @default "appliance-setup-token"
   */
  readonly setupTokenSecret?: string;
  /**
   * UID and GID the control plane runs as (the host reserves the `alga` group with this id).
   * @default 10001
   */
  readonly runAsId?: number;
  /**
   * Secrets setup writes in every application namespace; the only Secrets it may update.
   * @default SETUP_SECRETS - appliance-initial-tenant and appliance-license-seed
   */
  readonly setupSecrets?: readonly string[];
}

/**
 * The Kubernetes-hosted control plane: setup wizard, status UI and setup workflow.
 * One replica on the host network; RBAC scoped to what setup writes; read-only everywhere else.
 */
export class ControlPlane extends Construct {
  readonly deployment: Deployment;
  readonly serviceAccount: ServiceAccount;

  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    const namespace = props.namespace ?? CONTROL_PLANE_NAMESPACE;
    const port = props.port ?? 8080;
    const uid = props.runAsId ?? 10001;
    const stateDir = props.hostStateDirectory ?? APPLIANCE_STATE_DIRECTORY;
    const name = "appliance-control-plane";
    const labels = standardLabels(name, "control-plane");

    this.serviceAccount = new ServiceAccount(this, "ServiceAccount", {
      metadata: { name, namespace, labels },
      // Setup talks to the API server with this account's token.
      automountToken: true,
    });

    this.grantSetupWrites(namespace, props.fluxNamespace ?? FLUX_NAMESPACE, props.applicationNamespaces ?? APPLICATION_NAMESPACES, props.setupSecrets ?? SETUP_SECRETS);
    new StatusReaderRole(this, "StatusReader", { name: `${name}-status-reader` }).grantTo(this.serviceAccount, `${name}-status-reader`);

    this.deployment = new Deployment(this, "Deployment", {
      metadata: { name, namespace, labels },
      podMetadata: { labels },
      select: false,
      replicas: 1,
      // The pod binds a host port: a second pod during a rolling update could never start.
      strategy: DeploymentStrategy.recreate(),
      hostNetwork: true,
      dns: { policy: DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET },
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      securityContext: { user: uid, group: uid, fsGroup: uid, ensureNonRoot: true },
      containers: [
        {
          name: "control-plane",
          image: props.image,
          // The image is baked into the ISO and imported into k3s; never require the network to start.
          imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
          securityContext: restrictedContainerSecurity(uid),
          portNumber: port,
          envVariables: {},
          liveness: Probe.fromHttpGet("/healthz", { port, periodSeconds: Duration.seconds(20), failureThreshold: 3 }),
          readiness: Probe.fromHttpGet("/healthz", { port, periodSeconds: Duration.seconds(10) }),
          startup: Probe.fromHttpGet("/healthz", { port, periodSeconds: Duration.seconds(5), failureThreshold: 60 }),
          resources: {
            cpu: { request: Cpu.millis(100), limit: Cpu.millis(1000) },
            memory: { request: Size.mebibytes(256), limit: Size.mebibytes(1024) },
          },
        },
      ],
    });
    this.deployment.select(LabelSelector.of({ labels: { "app.kubernetes.io/name": name } }));
    const container = this.deployment.containers[0]!;
    container.mount(stateDir, Volume.fromHostPath(this, "StateDir", "host-state", { path: stateDir }));
    container.mount(
      "/etc/alga-appliance/setup-token",
      Volume.fromSecret(this, "SetupToken", Secret.fromSecretName(this, "SetupTokenSecret", props.setupTokenSecret ?? "appliance-setup-token"), {
        name: "setup-token",
      }),
      { readOnly: true },
    );
    // The root filesystem is read-only; kubectl and flux need a writable scratch directory.
    container.mount("/tmp", Volume.fromEmptyDir(this, "Tmp", "tmp"));
  }

  /**
   * Setup writes the Flux source + root Kustomization, and the per-namespace values and Secrets;
   * updates only annotate HelmReleases to reconcile them. Nothing is ever deleted. Secrets are
   * never readable: setup creates them (Kubernetes cannot restrict `create` by name, and creating
   * reveals nothing) and may update or patch only the Secrets it names.
   */
  private grantSetupWrites(ownNamespace: string, fluxNamespace: string, applicationNamespaces: readonly string[], setupSecrets: readonly string[]): void {
    const write = ["get", "list", "watch", "create", "update", "patch"];
    const annotate = ["get", "list", "watch", "patch"];
    const grant = (namespace: string, rules: readonly [string[], IApiResource[]][]) => {
      const roleName = "appliance-control-plane-setup";
      const metadata = { name: roleName, namespace, labels: standardLabels(roleName, "rbac") };
      const role = new Role(this, `Setup-${namespace}`, { metadata });
      for (const [verbs, resources] of rules) role.allow(verbs, ...resources);
      new RoleBinding(this, `SetupBinding-${namespace}`, { metadata, role }).addSubjects(this.serviceAccount);
    };
    grant(fluxNamespace, [[write, [FLUX_RESOURCES.ociRepositories, FLUX_RESOURCES.kustomizations]]]);
    for (const namespace of applicationNamespaces) {
      grant(namespace, [
        [write, [ApiResource.CONFIG_MAPS]],
        [["create"], [ApiResource.SECRETS]],
        [["update", "patch"], setupSecrets.map((secret) => ({ apiGroup: "", resourceType: "secrets", resourceName: secret }))],
        [annotate, [FLUX_RESOURCES.helmReleases]],
      ]);
    }
    grant(ownNamespace, [[write, [ApiResource.CONFIG_MAPS]]]);
  }
}
