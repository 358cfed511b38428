import type { AccessError } from "./classify.js";
import type { KubeObject } from "./cluster-snapshot.js";
import type { SnapshotCollector } from "./status-poller.js";

/** One kind the status reads: one list call per refresh, cluster-wide. */
interface ListedKind {
  readonly kind: string;
  readonly apiVersion: string;
  /** The RBAC resource name, as the read-only ClusterRole grants it. */
  readonly resource: string;
  readonly group: string;
}

/** Everything the status reads, all within the appliance-status-readonly ClusterRole. */
export const LISTED_KINDS: readonly ListedKind[] = [
  { kind: "Node", apiVersion: "v1", resource: "nodes", group: "" },
  { kind: "Pod", apiVersion: "v1", resource: "pods", group: "" },
  { kind: "Event", apiVersion: "v1", resource: "events", group: "" },
  { kind: "PersistentVolumeClaim", apiVersion: "v1", resource: "persistentvolumeclaims", group: "" },
  { kind: "Job", apiVersion: "batch/v1", resource: "jobs", group: "batch" },
  { kind: "Deployment", apiVersion: "apps/v1", resource: "deployments", group: "apps" },
  { kind: "StatefulSet", apiVersion: "apps/v1", resource: "statefulsets", group: "apps" },
  { kind: "OCIRepository", apiVersion: "source.toolkit.fluxcd.io/v1", resource: "ocirepositories", group: "source.toolkit.fluxcd.io" },
  { kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", resource: "kustomizations", group: "kustomize.toolkit.fluxcd.io" },
  { kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", resource: "helmreleases", group: "helm.toolkit.fluxcd.io" },
];

export interface LiveClusterOptions {
  /**
   * A kubeconfig file.
   * @default - the in-cluster service account when KUBERNETES_SERVICE_HOST is set, else $KUBECONFIG or ~/.kube/config
   */
  readonly kubeconfig?: string;
}

/**
 * Reads the live cluster with @kubernetes/client-node: read-only, one list per kind per
 * refresh. A kind that cannot be listed (403 from RBAC, an API error) is reported as an access
 * error for the classifier to turn into a blocker; the other kinds are still used.
 * The client is loaded only here, so snapshot mode and the CLI never load it.
 */
export async function createLiveCollector(options: LiveClusterOptions = {}): Promise<SnapshotCollector> {
  const k8s = await import("@kubernetes/client-node");
  const config = new k8s.KubeConfig();
  if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
  else if (process.env["KUBERNETES_SERVICE_HOST"]) config.loadFromCluster();
  else config.loadFromDefault();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const batch = config.makeApiClient(k8s.BatchV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const custom = config.makeApiClient(k8s.CustomObjectsApi);

  const custom_ = (kind: ListedKind) => () => {
    const [group, version] = kind.apiVersion.split("/") as [string, string];
    return custom.listClusterCustomObject({ group, version, plural: kind.resource }) as Promise<{ items?: unknown[] }>;
  };
  const calls: Record<string, () => Promise<{ items?: unknown[] }>> = {
    nodes: () => core.listNode(),
    pods: () => core.listPodForAllNamespaces(),
    events: () => core.listEventForAllNamespaces(),
    persistentvolumeclaims: () => core.listPersistentVolumeClaimForAllNamespaces(),
    jobs: () => batch.listJobForAllNamespaces(),
    deployments: () => apps.listDeploymentForAllNamespaces(),
    statefulsets: () => apps.listStatefulSetForAllNamespaces(),
  };

  return {
    description: `the live cluster (${config.getCurrentCluster()?.server ?? "in-cluster"})`,
    async collect() {
      const results = await Promise.allSettled(LISTED_KINDS.map((kind) => (calls[kind.resource] ?? custom_(kind))()));
      const items: KubeObject[] = [];
      const accessErrors: AccessError[] = [];
      results.forEach((result, i) => {
        const kind = LISTED_KINDS[i]!;
        if (result.status === "rejected") {
          const error = result.reason as { code?: unknown; message?: string };
          const code = typeof error.code === "number" ? error.code : null;
          accessErrors.push({ kind: kind.resource, code, message: firstLine(error.message ?? String(error)) });
          return;
        }
        // The typed client turns times into Date objects; JSON gives back the wire form the classifier reads.
        for (const item of JSON.parse(JSON.stringify(result.value.items ?? [])) as KubeObject[]) {
          items.push({ ...item, kind: kind.kind, apiVersion: kind.apiVersion });
        }
      });
      // The API server unreachable: one error, not ten.
      if (accessErrors.length === LISTED_KINDS.length && accessErrors.every((e) => e.code === null)) {
        throw new Error(`cannot reach the Kubernetes API: ${accessErrors[0]!.message}`);
      }
      return { snapshot: { items }, accessErrors };
    },
  };
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
