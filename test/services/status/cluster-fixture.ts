/**
 * Builds realistic cluster snapshots (`kubectl get … -A -o json` Lists) of the appliance, healthy
 * and in every failure state the appliance team met. `write-fixtures.ts` writes them to
 * fixtures/*.json; the tests read those files, as an operator's snapshot would be read.
 */

/** The time every fixture is taken at. */
export const FIXTURE_NOW = "2026-04-30T12:00:00Z";
const NOW_MS = Date.parse(FIXTURE_NOW);

export type Obj = Record<string, any> & { kind: string; metadata: { name: string; namespace?: string; [k: string]: any } };

/** RFC 3339 time `minutes` before the fixture time. */
export function ago(minutes: number): string {
  return new Date(NOW_MS - minutes * 60_000).toISOString().replace(".000Z", "Z");
}

export const BUNDLE_DIGEST = `sha256:${"4f".repeat(32)}`;

function condition(type: string, status: string, reason: string, message: string, minutesAgo = 90) {
  return { type, status, reason, message, lastTransitionTime: ago(minutesAgo) };
}

function hash(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).padStart(7, "0").slice(0, 7);
}

export function node(name = "appliance-single-node"): Obj {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, creationTimestamp: ago(240), labels: { "kubernetes.io/hostname": name } },
    status: {
      conditions: [condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", 240), condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", 235)],
      nodeInfo: { kubeletVersion: "v1.31.4+k3s1" },
    },
  };
}

export function ociRepository(ready = true, message = "stored artifact for digest '1.0-rc5@" + BUNDLE_DIGEST + "'"): Obj {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "OCIRepository",
    metadata: { name: "alga-appliance", namespace: "flux-system", generation: 1, creationTimestamp: ago(200) },
    spec: { interval: "10m", url: "oci://ghcr.io/nine-minds/alga-appliance-config", ref: { digest: BUNDLE_DIGEST } },
    status: {
      observedGeneration: 1,
      conditions: ready
        ? [condition("Ready", "True", "Succeeded", message, 190)]
        : [condition("Ready", "False", "OCIArtifactPullFailed", message, 30), condition("Reconciling", "False", "OCIArtifactPullFailed", message, 30)],
      ...(ready
        ? { artifact: { revision: `1.0-rc5@${BUNDLE_DIGEST}`, digest: `sha256:${"1a".repeat(32)}`, metadata: { "org.opencontainers.image.revision": "release/1.0-rc5", "org.opencontainers.image.source": "https://github.com/nine-minds/alga-psa" } } }
        : {}),
    },
  };
}

export function kustomization(name: string, dependsOn: string | undefined, ready: { status: string; reason: string; message: string }): Obj {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: "flux-system", generation: 1, creationTimestamp: ago(200) },
    spec: {
      ...(dependsOn ? { dependsOn: [{ name: dependsOn, namespace: "flux-system" }] } : {}),
      interval: "10m",
      path: `./${name.replace("alga-", "")}`,
      prune: true,
      wait: true,
      sourceRef: { kind: "OCIRepository", name: "alga-appliance", namespace: "flux-system" },
    },
    status: { observedGeneration: 1, conditions: [condition("Ready", ready.status, ready.reason, ready.message, 60)] },
  };
}

const READY_KS = { status: "True", reason: "ReconciliationSucceeded", message: "Applied revision: 1.0-rc5@" + BUNDLE_DIGEST };

export function helmRelease(name: string, namespace: string, state: "ready" | "failed" | "reconciling", message?: string, extra: Record<string, unknown> = {}): Obj {
  const conditions =
    state === "ready"
      ? [condition("Ready", "True", "InstallSucceeded", message ?? `Helm install succeeded for release ${namespace}/${name}`, 80)]
      : state === "failed"
        ? [condition("Ready", "False", "InstallFailed", message ?? "install failed", 20), condition("Released", "False", "InstallFailed", message ?? "install failed", 20)]
        : [condition("Reconciling", "True", "Progressing", "Fulfilling prerequisites", 12), condition("Ready", "Unknown", "Progressing", message ?? "Reconciliation in progress", 12)];
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name, namespace, generation: 1, creationTimestamp: ago(100) },
    spec: { interval: "10m", releaseName: name, chartRef: { kind: "OCIRepository", name: `${name}-chart`, namespace }, ...extra },
    status: { observedGeneration: 1, conditions },
  };
}

const helmLabels = (release: string, namespace: string, name: string) => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/instance": release,
  "helm.toolkit.fluxcd.io/name": release,
  "helm.toolkit.fluxcd.io/namespace": namespace,
});

export interface PodOptions {
  ready?: boolean;
  phase?: string;
  waiting?: { reason: string; message?: string };
  lastTerminated?: { reason: string; message: string; exitCode: number };
  terminated?: { reason: string; message?: string; exitCode: number };
  image: string;
  pvc?: string;
  restartCount?: number;
  createdMinutesAgo?: number;
}

export function pod(namespace: string, name: string, owner: { kind: string; name: string }, labels: Record<string, string>, options: PodOptions): Obj {
  const ready = options.ready ?? true;
  const phase = options.phase ?? (options.waiting?.reason === "ContainerCreating" || options.waiting?.reason === "CreateContainerConfigError" || options.waiting?.reason === "ErrImagePull" || options.waiting?.reason === "ImagePullBackOff" ? "Pending" : "Running");
  const state = options.waiting ? { waiting: options.waiting } : options.terminated ? { terminated: options.terminated } : { running: { startedAt: ago(options.createdMinutesAgo ?? 80) } };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, creationTimestamp: ago(options.createdMinutesAgo ?? 85), labels, ownerReferences: [{ apiVersion: "apps/v1", kind: owner.kind, name: owner.name, controller: true }] },
    spec: {
      containers: [{ name: labels["app.kubernetes.io/name"] ?? name, image: options.image }],
      ...(options.pvc ? { volumes: [{ name: "db-data", persistentVolumeClaim: { claimName: options.pvc } }] } : {}),
    },
    status: {
      phase,
      conditions: [condition("PodScheduled", "True", "", "", options.createdMinutesAgo ?? 85), { ...condition("Ready", ready ? "True" : "False", ready ? "" : "ContainersNotReady", ready ? "" : "containers with unready status", options.createdMinutesAgo ?? 80) }],
      containerStatuses: [
        {
          name: labels["app.kubernetes.io/name"] ?? name,
          image: options.image,
          ready,
          restartCount: options.restartCount ?? 0,
          state,
          ...(options.lastTerminated ? { lastState: { terminated: options.lastTerminated } } : {}),
        },
      ],
    },
  };
}

export interface WorkloadOptions {
  readyReplicas?: number;
  image: string;
  pod?: Partial<PodOptions>;
  kind?: "Deployment" | "StatefulSet";
  pvc?: string;
  /** What rendered it, when not its HelmRelease (the platform tier's Kustomization). */
  labels?: Record<string, string>;
}

/** Labels kustomize-controller puts on what a tier Kustomization applies. */
export const kustomizeLabels = (kustomization: string, name: string) => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/part-of": "alga-appliance",
  "kustomize.toolkit.fluxcd.io/name": kustomization,
  "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
});

/** A Deployment or StatefulSet installed by a HelmRelease, with its one pod. */
export function workload(release: string, namespace: string, name: string, options: WorkloadOptions): Obj[] {
  const kind = options.kind ?? "Deployment";
  const ready = options.readyReplicas ?? 1;
  const labels = options.labels ?? helmLabels(release, namespace, name);
  const status =
    kind === "Deployment"
      ? {
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: ready,
          availableReplicas: ready,
          ...(ready === 0 ? { unavailableReplicas: 1 } : {}),
          conditions: [
            condition("Available", ready ? "True" : "False", ready ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", ready ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", 70),
            condition("Progressing", "True", ready ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", `ReplicaSet "${name}-${hash(name)}" is progressing.`, 70),
          ],
        }
      : { observedGeneration: 1, replicas: 1, readyReplicas: ready, currentReplicas: 1, updatedReplicas: 1, currentRevision: `${name}-${hash(name)}`, updateRevision: `${name}-${hash(name)}` };
  const object: Obj = {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace, generation: 1, creationTimestamp: ago(90), labels },
    spec: { replicas: 1, selector: { matchLabels: { "app.kubernetes.io/name": name } }, template: { spec: { containers: [{ name, image: options.image }] } } },
    status,
  };
  const podHash = hash(`${name}-pod`);
  const podName = kind === "StatefulSet" ? `${name}-0` : `${name}-${hash(name)}-${podHash.slice(0, 5)}`;
  const owner = kind === "StatefulSet" ? { kind: "StatefulSet", name } : { kind: "ReplicaSet", name: `${name}-${hash(name)}` };
  const podLabels = { "app.kubernetes.io/name": name, ...(options.labels ? {} : { "app.kubernetes.io/instance": release }), ...(kind === "Deployment" ? { "pod-template-hash": hash(name) } : {}) };
  return [object, pod(namespace, podName, owner, podLabels, { image: options.image, ready: ready > 0, ...(options.pvc ? { pvc: options.pvc } : {}), ...options.pod })];
}

export function bootstrapJob(state: "complete" | "failed" | "running", podOptions: Partial<PodOptions> = {}, revision = 1, createdMinutesAgo = 80): Obj[] {
  const name = `alga-core-sebastian-bootstrap-r${revision}`;
  const labels = helmLabels("alga-core", "msp", "alga-core-sebastian-bootstrap");
  const conditions =
    state === "complete"
      ? [condition("Complete", "True", "", "", 75)]
      : state === "failed"
        ? [condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", 25)]
        : [];
  const job: Obj = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "msp", generation: 1, creationTimestamp: ago(createdMinutesAgo), labels: { ...labels, "app.kubernetes.io/component": "bootstrap" } },
    spec: { backoffLimit: 3, template: { spec: { containers: [{ name: "bootstrap", image: "ghcr.io/nine-minds/alga-psa-ee:94446747" }] } } },
    status: { startTime: ago(80), ...(state === "running" ? { active: 1 } : {}), ...(state === "complete" ? { succeeded: 1 } : {}), ...(state === "failed" ? { failed: 4 } : {}), conditions },
  };
  const podOptions2: PodOptions =
    state === "complete"
      ? { image: "ghcr.io/nine-minds/alga-psa-ee:94446747", phase: "Succeeded", ready: false, terminated: { reason: "Completed", exitCode: 0 }, ...podOptions }
      : state === "failed"
        ? { image: "ghcr.io/nine-minds/alga-psa-ee:94446747", phase: "Failed", ready: false, terminated: { reason: "Error", exitCode: 1, message: "timed out after 600s waiting for Postgres at db.msp.svc:5432" }, ...podOptions }
        : { image: "ghcr.io/nine-minds/alga-psa-ee:94446747", ready: false, ...podOptions };
  const jobPod = pod("msp", `${name}-${revision === 1 ? "x7k2p" : `p${revision}q4z`}`, { kind: "Job", name }, { "batch.kubernetes.io/job-name": name, "app.kubernetes.io/component": "bootstrap", "app.kubernetes.io/name": "alga-core-sebastian-bootstrap" }, podOptions2);
  jobPod["metadata"]["ownerReferences"][0].apiVersion = "batch/v1";
  return [job, jobPod];
}

export function pvc(namespace: string, name: string, phase = "Bound"): Obj {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace, creationTimestamp: ago(90) },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } }, storageClassName: "local-path" },
    status: { phase, ...(phase === "Bound" ? { capacity: { storage: "20Gi" } } : {}) },
  };
}

export function event(involved: { kind: string; name: string; namespace?: string }, type: "Normal" | "Warning", reason: string, message: string, minutesAgo: number, count = 1): Obj {
  const namespace = involved.namespace ?? "default";
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${involved.name}.${hash(`${involved.name}${reason}${message}${minutesAgo}`)}`, namespace, creationTimestamp: ago(minutesAgo) },
    involvedObject: { apiVersion: involved.kind === "Pod" ? "v1" : undefined, kind: involved.kind, name: involved.name, namespace: involved.namespace },
    reason,
    message,
    type,
    count,
    firstTimestamp: ago(minutesAgo + (count > 1 ? 10 : 0)),
    lastTimestamp: ago(minutesAgo),
    source: { component: involved.kind === "Pod" ? "kubelet" : "controller" },
  };
}

export const IMAGES = {
  core: "ghcr.io/nine-minds/alga-psa-ee:94446747",
  postgres: "docker.io/library/postgres:16.4",
  redis: "docker.io/library/redis:7.4.1",
  pgbouncer: "ghcr.io/nine-minds/pgbouncer:1.23.1",
  temporal: "docker.io/temporalio/server:1.24.2",
  temporalUi: "docker.io/temporalio/ui:2.30.1",
  temporalWorker: "ghcr.io/nine-minds/temporal-worker:61e4a00e",
  workflowWorker: "ghcr.io/nine-minds/workflow-worker:61e4a00e",
  emailService: "ghcr.io/nine-minds/email-service:61e4a00e",
  status: "ghcr.io/nine-minds/alga-appliance-status:1.0-rc5",
};

export const POSTGRES_PVC = "alga-core-sebastian-postgres-data";

/** A Kubernetes UID (8-4-4-4-12 hex), stable per seed. */
function uid(seed: string): string {
  const hex = [0, 1, 2, 3].map((i) => parseInt(hash(`${seed}#${i}`), 36).toString(16).padStart(8, "0").slice(-8)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A ClusterIP address in k3s's default service range (10.43.0.0/16), stable per name. */
function clusterIp(name: string): string {
  const h = parseInt(hash(name), 36);
  return `10.43.${(h >> 8) % 250}.${(h % 250) + 2}`;
}

/** A pod address in k3s's default pod range (10.42.0.0/24 on the one node), stable per pod. */
function podIp(name: string): string {
  return `10.42.0.${(parseInt(hash(name), 36) % 250) + 2}`;
}

/**
 * A Service as `kubectl get services -A -o json` prints it: what a chart renders, its labels, and
 * the selector it routes by (no selector: its endpoints are someone else's to write).
 */
export function service(namespace: string, name: string, labels: Record<string, string>, selector: Record<string, string> | undefined, port: { name: string; port: number; targetPort?: number | string }): Obj {
  const ip = clusterIp(`${namespace}/${name}`);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace,
      creationTimestamp: ago(90),
      labels,
      ...(labels["helm.toolkit.fluxcd.io/name"] ? { annotations: { "meta.helm.sh/release-name": labels["helm.toolkit.fluxcd.io/name"], "meta.helm.sh/release-namespace": namespace } } : {}),
      resourceVersion: String(parseInt(hash(name), 36) % 90_000),
      uid: uid(`Service/${namespace}/${name}`),
    },
    spec: {
      clusterIP: ip,
      clusterIPs: [ip],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: [{ name: port.name, port: port.port, protocol: "TCP", targetPort: port.targetPort ?? port.port }],
      ...(selector ? { selector } : {}),
      sessionAffinity: "None",
      type: "ClusterIP",
    },
    status: { loadBalancer: {} },
  };
}

/** How the EndpointSlice controller lists one pod (pkg/controller/endpointslice: ready = Ready and not terminating). */
export function endpointOf(target: Obj): Record<string, unknown> {
  const ready = target.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True") === true;
  const terminating = target.metadata.deletionTimestamp !== undefined;
  return {
    addresses: [podIp(target.metadata.name)],
    conditions: { ready: ready && !terminating, serving: ready, terminating },
    nodeName: target.spec?.nodeName ?? "appliance-single-node",
    targetRef: { kind: "Pod", name: target.metadata.name, namespace: target.metadata.namespace, uid: uid(`Pod/${target.metadata.namespace}/${target.metadata.name}`) },
  };
}

/**
 * The EndpointSlice the EndpointSlice controller keeps for a Service, as `kubectl get
 * endpointslices -A -o json` prints it: the Service's labels copied, `kubernetes.io/service-name`,
 * an owner reference to the Service, and one endpoint per running pod the selector matches. A
 * Service whose selector matches nothing keeps one empty placeholder slice (endpoints and ports
 * null after the API server's round trip).
 */
export function endpointSlice(svc: Obj, endpoints: Record<string, unknown>[]): Obj {
  const name = svc.metadata.name;
  return {
    addressType: "IPv4",
    apiVersion: "discovery.k8s.io/v1",
    endpoints: endpoints.length > 0 ? endpoints : null,
    kind: "EndpointSlice",
    metadata: {
      annotations: { "endpoints.kubernetes.io/last-change-trigger-time": ago(80) },
      creationTimestamp: ago(90),
      generateName: `${name}-`,
      generation: 1 + endpoints.length,
      labels: { ...svc.metadata.labels, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io", "kubernetes.io/service-name": name },
      name: `${name}-${hash(`${svc.metadata.namespace}/${name}/slice`).slice(0, 5)}`,
      namespace: svc.metadata.namespace,
      ownerReferences: [{ apiVersion: "v1", blockOwnerDeletion: true, controller: true, kind: "Service", name, uid: svc.metadata.uid }],
      resourceVersion: String(parseInt(hash(`${name}/slice`), 36) % 90_000),
      uid: uid(`EndpointSlice/${svc.metadata.namespace}/${name}`),
    },
    ports: endpoints.length > 0 ? svc.spec.ports.map((p: { name: string; protocol: string; targetPort: number | string; port: number }) => ({ name: p.name, port: typeof p.targetPort === "number" ? p.targetPort : p.port, protocol: p.protocol })) : null,
  };
}

/** Ports of the Services the charts render for the workloads that take connections (workers take none). */
const SERVICE_PORTS: Readonly<Record<string, { name: string; port: number }>> = {
  db: { name: "postgres", port: 5432 },
  redis: { name: "redis", port: 6379 },
  "alga-core": { name: "http", port: 3000 },
  pgbouncer: { name: "pgbouncer", port: 6432 },
  temporal: { name: "grpc-rpc", port: 7233 },
  "temporal-ui": { name: "http", port: 8080 },
  "appliance-status": { name: "http", port: 8090 },
};

/** The Service a workload's chart renders (selecting its pods' name and instance labels) and the slice the controller keeps for it. */
export function serviceFor(objects: Obj[], port: { name: string; port: number }, selector?: Record<string, string>): Obj[] {
  const workloadObject = objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
  const { namespace, name, labels } = workloadObject.metadata;
  const pods = objects.filter((o) => o.kind === "Pod");
  const podLabels: Record<string, string> = pods[0]?.metadata.labels ?? {};
  const wanted = selector ?? Object.fromEntries(Object.entries(podLabels).filter(([k]) => k === "app.kubernetes.io/name" || k === "app.kubernetes.io/instance"));
  const svc = service(namespace!, name, labels, wanted, port);
  // The controller lists pods that have an address: running (or terminating) ones, not pending or finished.
  const listed = pods.filter((p) => p.status?.phase === "Running" && Object.entries(wanted).every(([k, v]) => p.metadata.labels?.[k] === v));
  return [svc, endpointSlice(svc, listed.map(endpointOf))];
}

/** What every cluster has besides the appliance (out of its scope): the API server's and CoreDNS's Services. */
function clusterServices(): Obj[] {
  const api = service("default", "kubernetes", { component: "apiserver", provider: "kubernetes" }, undefined, { name: "https", port: 443, targetPort: 6443 });
  const apiSlice = endpointSlice(api, [{ addresses: ["192.168.64.8"], conditions: { ready: true } }]);
  apiSlice["metadata"]["labels"] = { "kubernetes.io/service-name": "kubernetes" };
  delete apiSlice["metadata"]["ownerReferences"];
  delete apiSlice["metadata"]["generateName"];
  apiSlice["metadata"]["name"] = "kubernetes";
  const dns = service("kube-system", "kube-dns", { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" }, { "k8s-app": "kube-dns" }, { name: "dns", port: 53 });
  const corednsPod = { kind: "Pod", metadata: { name: "coredns-ccb96694c-x2xbn", namespace: "kube-system" }, status: { conditions: [{ type: "Ready", status: "True" }] }, spec: {} } as Obj;
  return [api, apiSlice, dns, endpointSlice(dns, [endpointOf(corednsPod)])];
}

/** Options to break the healthy appliance in one place. */
export interface ApplianceState {
  source?: Obj;
  kustomizations?: Obj[];
  helmReleases?: Partial<Record<string, Obj | null>>;
  workloads?: Partial<Record<string, Obj[] | null>>;
  bootstrap?: Obj[] | null;
  /** The PersistentVolumeClaims (default: the bound Postgres claim). */
  claims?: Obj[];
  events?: Obj[];
  /**
   * The Service selector of a workload that takes connections (default: its pods' name and
   * instance labels), or `null` for no Service. Each Service comes with the slice the EndpointSlice
   * controller keeps for it.
   */
  selectors?: Partial<Record<string, Record<string, string> | null>>;
  /** `null`: a capture taken without services and endpointslices (as older snapshots were). */
  routing?: null;
}

const BACKGROUND_RELEASES = ["temporal", "temporal-worker", "workflow-worker", "email-service"];

/** The whole appliance: healthy unless `state` says otherwise; `null` removes a part. */
export function appliance(state: ApplianceState = {}): { apiVersion: "v1"; kind: "List"; metadata: { resourceVersion: "" }; items: Obj[] } {
  const releases: Record<string, Obj> = {
    "alga-core": helmRelease("alga-core", "msp", "ready"),
    pgbouncer: helmRelease("pgbouncer", "alga-system", "ready"),
    ...Object.fromEntries(BACKGROUND_RELEASES.map((name) => [name, helmRelease(name, "alga-system", "ready")])),
  };
  const workloads: Record<string, Obj[]> = {
    db: workload("alga-core", "msp", "db", { kind: "StatefulSet", image: IMAGES.postgres, pvc: POSTGRES_PVC }),
    redis: workload("alga-core", "msp", "redis", { image: IMAGES.redis }),
    "alga-core": workload("alga-core", "msp", "alga-core-sebastian", { image: IMAGES.core }),
    pgbouncer: workload("pgbouncer", "alga-system", "pgbouncer", { image: IMAGES.pgbouncer }),
    temporal: workload("temporal", "alga-system", "temporal", { image: IMAGES.temporal }),
    "temporal-ui": workload("temporal", "alga-system", "temporal-ui", { image: IMAGES.temporalUi }),
    "temporal-worker": workload("temporal-worker", "alga-system", "temporal-worker", { image: IMAGES.temporalWorker }),
    "workflow-worker": workload("workflow-worker", "alga-system", "workflow-worker", { image: IMAGES.workflowWorker }),
    "email-service": workload("email-service", "alga-system", "email-service", { image: IMAGES.emailService }),
    "appliance-status": workload("appliance-status", "alga-system", "appliance-status", { image: IMAGES.status, labels: kustomizeLabels("alga-platform", "appliance-status") }),
  };
  for (const [name, value] of Object.entries(state.helmReleases ?? {})) {
    if (value === null) delete releases[name];
    else if (value) releases[name] = value;
  }
  for (const [name, value] of Object.entries(state.workloads ?? {})) {
    if (value === null) delete workloads[name];
    else if (value) workloads[name] = value;
  }
  const items: Obj[] = [
    node(),
    state.source ?? ociRepository(),
    ...(state.kustomizations ?? [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", READY_KS),
      kustomization("alga-background", "alga-core", READY_KS),
    ]),
    ...Object.values(releases),
    ...(state.claims ?? [pvc("msp", POSTGRES_PVC)]),
    ...Object.values(workloads).flat(),
    ...(state.bootstrap === null ? [] : (state.bootstrap ?? bootstrapJob("complete"))),
    ...(state.routing === null
      ? []
      : [
          ...Object.entries(workloads).flatMap(([name, objects]) => (SERVICE_PORTS[name] && state.selectors?.[name] !== null ? serviceFor(objects, SERVICE_PORTS[name], state.selectors?.[name]) : [])),
          ...clusterServices(),
        ]),
    event({ kind: "Pod", namespace: "msp", name: "db-0" }, "Normal", "Started", "Started container postgres", 84),
    ...(state.events ?? []),
  ];
  return { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items };
}

export { READY_KS, BACKGROUND_RELEASES };

/** The pod object of a workload built by `workload()`. */
export function podOf(objects: Obj[]): Obj {
  return objects.find((o) => o.kind === "Pod")!;
}
