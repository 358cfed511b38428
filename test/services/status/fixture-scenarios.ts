import {
  ago,
  type Obj,
  IMAGES,
  POSTGRES_PVC,
  READY_KS,
  appliance,
  bootstrapJob,
  event,
  helmRelease,
  kustomization,
  kustomizeLabels,
  node,
  ociRepository,
  pod,
  podOf,
  pvc,
  workload,
} from "./cluster-fixture.js";

const NOT_READY_DEP = (name: string) => ({ status: "False", reason: "DependencyNotReady", message: `dependency 'flux-system/${name}' is not ready` });

function refOf(objects: ReturnType<typeof workload>) {
  const p = podOf(objects);
  return { kind: "Pod", namespace: p.metadata.namespace!, name: p.metadata.name };
}

/** One snapshot per state the appliance team met on real installs (seeds/tiered-bootstrap-status.md). */
export function fixtureScenarios(): Record<string, ReturnType<typeof appliance>> {
  const scenarios: Record<string, ReturnType<typeof appliance>> = {};

  scenarios["healthy"] = appliance();

  // 1. DNS lookups refused by the VM's resolver: nothing can be downloaded.
  const dnsMessage =
    'failed to get credential from \'ghcr.io\': Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io on 192.168.64.1:53: connection refused';
  scenarios["dns-failure"] = appliance({
    source: ociRepository(false, dnsMessage),
    kustomizations: [
      kustomization("alga-platform", undefined, { status: "False", reason: "ArtifactFailed", message: "Source artifact not found, retrying in 30s" }),
      kustomization("alga-core", "alga-platform", NOT_READY_DEP("alga-platform")),
      kustomization("alga-background", "alga-core", NOT_READY_DEP("alga-core")),
    ],
    helmReleases: { "alga-core": null, pgbouncer: null, temporal: null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    workloads: { db: null, redis: null, "alga-core": null, pgbouncer: null, temporal: null, "temporal-ui": null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    bootstrap: null,
    events: [event({ kind: "OCIRepository", namespace: "flux-system", name: "alga-appliance" }, "Warning", "OCIArtifactPullFailed", dnsMessage, 2, 14)],
  });

  // 2. Postgres cannot create its subPath directory; Helm then times out and the bootstrap job gives up.
  const subPath = 'Error: failed to create subPath directory for volumeMount "db-data" of container "postgres"';
  const db = workload("alga-core", "msp", "db", {
    kind: "StatefulSet",
    image: IMAGES.postgres,
    pvc: POSTGRES_PVC,
    readyReplicas: 0,
    pod: { ready: false, waiting: { reason: "CreateContainerConfigError", message: subPath.replace("Error: ", "") } },
  });
  const pgbouncerWaiting = workload("pgbouncer", "alga-system", "pgbouncer", { image: IMAGES.pgbouncer, readyReplicas: 0, pod: { ready: false } });
  const appWaiting = workload("alga-core", "msp", "alga-core-sebastian", { image: IMAGES.core, readyReplicas: 0, pod: { ready: false } });
  scenarios["postgres-subpath"] = appliance({
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", { status: "False", reason: "HealthCheckFailed", message: "health check failed after 30m0s: failed early due to stalled resources: [HelmRelease/msp/alga-core status: 'Failed']" }),
      kustomization("alga-background", "alga-core", NOT_READY_DEP("alga-core")),
    ],
    helmReleases: {
      "alga-core": helmRelease("alga-core", "msp", "failed", "Helm install failed for release msp/alga-core with chart sebastian@0.1.0-rc5: context deadline exceeded"),
      pgbouncer: helmRelease("pgbouncer", "alga-system", "reconciling"),
      temporal: null,
      "temporal-worker": null,
      "workflow-worker": null,
      "email-service": null,
    },
    workloads: { db, pgbouncer: pgbouncerWaiting, "alga-core": appWaiting, temporal: null, "temporal-ui": null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    bootstrap: bootstrapJob("failed"),
    events: [
      event(refOf(db), "Warning", "Failed", subPath, 1, 96),
      event({ kind: "HelmRelease", namespace: "msp", name: "alga-core" }, "Warning", "InstallFailed", "Helm install failed for release msp/alga-core with chart sebastian@0.1.0-rc5: context deadline exceeded", 20),
      event({ kind: "Job", namespace: "msp", name: "alga-core-sebastian-bootstrap-r1" }, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", 25),
    ],
  });

  // 3. A background image tag that was never published: login works, the worker never starts.
  const missingWorker = 'Failed to pull image "ghcr.io/nine-minds/workflow-worker:61e4a00e": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/nine-minds/workflow-worker:61e4a00e": failed to resolve reference "ghcr.io/nine-minds/workflow-worker:61e4a00e": ghcr.io/nine-minds/workflow-worker:61e4a00e: not found';
  const worker = workload("workflow-worker", "alga-system", "workflow-worker", {
    image: IMAGES.workflowWorker,
    readyReplicas: 0,
    pod: { ready: false, waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "ghcr.io/nine-minds/workflow-worker:61e4a00e"' } },
  });
  scenarios["missing-tag-background"] = appliance({
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", READY_KS),
      kustomization("alga-background", "alga-core", { status: "False", reason: "HealthCheckFailed", message: "health check failed after 30m0s: [HelmRelease/alga-system/workflow-worker status: 'Failed']" }),
    ],
    helmReleases: { "workflow-worker": helmRelease("workflow-worker", "alga-system", "failed", "Helm install failed for release alga-system/workflow-worker with chart workflow-worker@0.1.0-rc5: context deadline exceeded") },
    workloads: { "workflow-worker": worker },
    events: [
      event(refOf(worker), "Normal", "Pulling", 'Pulling image "ghcr.io/nine-minds/workflow-worker:61e4a00e"', 3, 12),
      event(refOf(worker), "Warning", "Failed", missingWorker, 3, 12),
      event(refOf(worker), "Warning", "Failed", "Error: ErrImagePull", 3, 12),
      event(refOf(worker), "Normal", "BackOff", 'Back-off pulling image "ghcr.io/nine-minds/workflow-worker:61e4a00e"', 1, 40),
    ],
  });

  // 4. The core image tag is missing: login can never work.
  const missingCore = 'Failed to pull image "ghcr.io/nine-minds/alga-psa-ee:94446747": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/nine-minds/alga-psa-ee:94446747": failed to resolve reference "ghcr.io/nine-minds/alga-psa-ee:94446747": ghcr.io/nine-minds/alga-psa-ee:94446747: not found';
  const app = workload("alga-core", "msp", "alga-core-sebastian", {
    image: IMAGES.core,
    readyReplicas: 0,
    pod: { ready: false, waiting: { reason: "ErrImagePull", message: missingCore.replace(/^Failed to pull image "[^"]+": /, "") } },
  });
  scenarios["missing-tag-core"] = appliance({
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", { status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" }),
      kustomization("alga-background", "alga-core", NOT_READY_DEP("alga-core")),
    ],
    helmReleases: { "alga-core": helmRelease("alga-core", "msp", "reconciling"), temporal: null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    workloads: { "alga-core": app, temporal: null, "temporal-ui": null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    bootstrap: null,
    events: [
      event(refOf(app), "Normal", "Pulling", 'Pulling image "ghcr.io/nine-minds/alga-psa-ee:94446747"', 4, 5),
      event(refOf(app), "Warning", "Failed", missingCore, 4, 5),
    ],
  });

  // 5. The email-service pull was cut off: the image exists, a retry fixes it.
  const canceled =
    'Failed to pull image "ghcr.io/nine-minds/email-service:61e4a00e": rpc error: code = Canceled desc = failed to pull and unpack image "ghcr.io/nine-minds/email-service:61e4a00e": failed to copy: httpReadSeeker: failed open: context canceled';
  const email = workload("email-service", "alga-system", "email-service", {
    image: IMAGES.emailService,
    readyReplicas: 0,
    pod: { ready: false, waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "ghcr.io/nine-minds/email-service:61e4a00e"' } },
  });
  scenarios["interrupted-pull"] = appliance({
    helmReleases: { "email-service": helmRelease("email-service", "alga-system", "reconciling") },
    workloads: { "email-service": email },
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", READY_KS),
      kustomization("alga-background", "alga-core", { status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" }),
    ],
    events: [
      event(refOf(email), "Normal", "Pulling", 'Pulling image "ghcr.io/nine-minds/email-service:61e4a00e"', 9),
      event(refOf(email), "Warning", "Failed", canceled, 6),
      event(refOf(email), "Normal", "BackOff", 'Back-off pulling image "ghcr.io/nine-minds/email-service:61e4a00e"', 2, 6),
    ],
  });

  // 6. Temporal started without autosetup: no schema.
  const temporal = workload("temporal", "alga-system", "temporal", {
    image: IMAGES.temporal,
    readyReplicas: 0,
    pod: {
      ready: false,
      restartCount: 9,
      waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container=temporal pod=temporal-0_alga-system" },
      lastTerminated: {
        reason: "Error",
        exitCode: 1,
        message: "Unable to start server. Error: sql schema version compatibility check failed: unable to read DB schema version keyspace/database: temporal error: no usable database",
      },
    },
  });
  scenarios["temporal-schema"] = appliance({
    helmReleases: { temporal: helmRelease("temporal", "alga-system", "failed", "Helm install failed for release alga-system/temporal with chart temporal@0.1.0-rc5: context deadline exceeded") },
    workloads: { temporal },
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", READY_KS),
      kustomization("alga-background", "alga-core", { status: "False", reason: "HealthCheckFailed", message: "health check failed: [HelmRelease/alga-system/temporal status: 'Failed']" }),
    ],
    events: [event(refOf(temporal), "Warning", "BackOff", "Back-off restarting failed container temporal in pod " + refOf(temporal).name, 1, 60)],
  });

  // 7. Temporal UI read TEMPORAL_PORT=tcp://… from a service link.
  const ui = workload("temporal", "alga-system", "temporal-ui", {
    image: IMAGES.temporalUi,
    readyReplicas: 0,
    pod: {
      ready: false,
      restartCount: 7,
      waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" },
      lastTerminated: { reason: "Error", exitCode: 1, message: "unable to load config: yaml: unmarshal errors:\n  line 7: cannot unmarshal !!str `tcp://10.43.12.7:7233` into int" },
    },
  });
  scenarios["service-link-collision"] = appliance({ workloads: { "temporal-ui": ui } });

  // 8. The 1.8 GB core image is still downloading: installing, not failed.
  const pulling = workload("alga-core", "msp", "alga-core-sebastian", {
    image: IMAGES.core,
    readyReplicas: 0,
    pod: { ready: false, waiting: { reason: "ContainerCreating" }, createdMinutesAgo: 13 },
  });
  scenarios["core-image-pulling"] = appliance({
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", { status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" }),
      kustomization("alga-background", "alga-core", NOT_READY_DEP("alga-core")),
    ],
    helmReleases: { "alga-core": helmRelease("alga-core", "msp", "reconciling"), temporal: null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    workloads: { "alga-core": pulling, temporal: null, "temporal-ui": null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    bootstrap: bootstrapJob("running", { waiting: { reason: "ContainerCreating" }, createdMinutesAgo: 12 }),
    events: [
      event(refOf(pulling), "Normal", "Scheduled", `Successfully assigned msp/${refOf(pulling).name} to appliance-single-node`, 13),
      event(refOf(pulling), "Normal", "Pulling", 'Pulling image "ghcr.io/nine-minds/alga-psa-ee:94446747"', 12),
      event({ kind: "Pod", namespace: "msp", name: "alga-core-sebastian-bootstrap-r1-x7k2p" }, "Normal", "Pulling", 'Pulling image "ghcr.io/nine-minds/alga-psa-ee:94446747"', 11),
    ],
  });

  // 9. Login is ready while the background tier is still coming up.
  const startingWorker = workload("temporal-worker", "alga-system", "temporal-worker", { image: IMAGES.temporalWorker, readyReplicas: 0, pod: { ready: false, createdMinutesAgo: 3 } });
  scenarios["background-starting"] = appliance({
    helmReleases: { "temporal-worker": helmRelease("temporal-worker", "alga-system", "reconciling") },
    workloads: { "temporal-worker": startingWorker },
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", READY_KS),
      kustomization("alga-background", "alga-core", { status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" }),
    ],
  });

  // 10. Someone suspended a HelmRelease for maintenance and forgot it.
  scenarios["suspended"] = appliance({
    helmReleases: { "email-service": helmRelease("email-service", "alga-system", "ready", undefined, { suspend: true }) },
  });

  // 11. After the fix: the first bootstrap job timed out, a forced reconcile ran r2, which completed;
  // an old evicted redis pod is still listed. History, not a problem: fully healthy.
  const redis = workload("alga-core", "msp", "redis", { image: IMAGES.redis });
  const evicted: Obj = { ...podOf(redis), metadata: { ...podOf(redis).metadata, name: `${podOf(redis).metadata.name.slice(0, -5)}old01` } };
  evicted["status"] = { phase: "Failed", reason: "Evicted", message: "The node was low on resource: ephemeral-storage. Container redis was using 1Gi, which exceeds its request of 0." };
  scenarios["bootstrap-retried"] = appliance({
    workloads: { redis: [...redis, evicted] },
    bootstrap: [...bootstrapJob("failed", {}, 1, 120), ...bootstrapJob("complete", {}, 2, 60)],
    events: [event({ kind: "Job", namespace: "msp", name: "alga-core-sebastian-bootstrap-r1" }, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", 65)],
  });

  Object.assign(scenarios, operatorSituations());
  return scenarios;
}

/**
 * Day-2 and foreign-workload situations, with message texts as kubelet, containerd and the Flux
 * controllers write them (sources in message-shapes.test.ts).
 */
function operatorSituations(): Record<string, ReturnType<typeof appliance>> {
  const scenarios: Record<string, ReturnType<typeof appliance>> = {};

  // A failing backup Job in another namespace and a crashing "redis" of another team: not the appliance.
  const backupJob: Obj = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "db-backup-29104560", namespace: "backups", generation: 1, creationTimestamp: ago(30), labels: { "app.kubernetes.io/name": "db-backup" }, ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "db-backup", controller: true }] },
    spec: { backoffLimit: 0, template: { spec: { containers: [{ name: "backup", image: "docker.io/library/postgres:16.4" }] } } },
    status: { startTime: ago(30), failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", lastTransitionTime: ago(28) }] },
  };
  const backupPod = pod("backups", "db-backup-29104560-k8x2q", { kind: "Job", name: "db-backup-29104560" }, { "app.kubernetes.io/name": "db-backup", "batch.kubernetes.io/job-name": "db-backup-29104560" }, {
    image: "docker.io/library/postgres:16.4",
    phase: "Failed",
    ready: false,
    terminated: { reason: "Error", exitCode: 1, message: "pg_dump: error: connection to server at \"db.msp.svc\" (10.43.12.9), port 5432 failed: FATAL:  password authentication failed for user \"backup\"" },
  });
  const foreignRedis = workload("redis", "default", "redis", {
    image: IMAGES.redis,
    readyReplicas: 0,
    pod: { ready: false, restartCount: 12, waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container=redis pod=redis-0_default" }, lastTerminated: { reason: "Error", exitCode: 1, message: "Fatal error, can't open config file '/etc/redis.conf'" } },
  });
  scenarios["foreign-failures"] = appliance({ events: [backupJob, backupPod, ...foreignRedis, event({ kind: "Pod", namespace: "backups", name: "db-backup-29104560-k8x2q" }, "Warning", "BackOff", "Back-off restarting failed container backup in pod db-backup-29104560-k8x2q_backups(3f1c…)", 29)] });

  // A running appliance whose source cannot resolve ghcr.io through CoreDNS: login works, updates do not.
  const coreDnsTimeout =
    "failed to determine artifact digest: Get \"https://ghcr.io/v2/nine-minds/alga-appliance-config/manifests/1.0-rc6\": dial tcp: lookup ghcr.io on 10.43.0.10:53: read udp 10.42.0.14:51324->10.43.0.10:53: i/o timeout";
  const staleSource = ociRepository(false, coreDnsTimeout);
  staleSource["status"]["artifact"] = { revision: `1.0-rc5@${BUNDLE_DIGEST_FOR_SITUATIONS}`, digest: `sha256:${"1a".repeat(32)}`, metadata: { "org.opencontainers.image.revision": "release/1.0-rc5" } };
  scenarios["running-source-dns"] = appliance({
    source: staleSource,
    events: [event({ kind: "OCIRepository", namespace: "flux-system", name: "alga-appliance" }, "Warning", "OCIArtifactPullFailed", coreDnsTimeout, 1, 31)],
  });

  // The pull credentials expired: ghcr.io answers 401; renewing them is the fix, not DNS.
  const unauthorized =
    "failed to get credential from 'ghcr.io': GET https://ghcr.io/token?scope=repository%3Anine-minds%2Falga-appliance-config%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:nine-minds/alga-appliance-config Type:repository]]";
  const authSource = ociRepository(false, unauthorized);
  authSource["spec"]["secretRef"] = { name: "alga-appliance-pull" };
  scenarios["running-source-unauthorized"] = appliance({
    source: authSource,
    events: [event({ kind: "OCIRepository", namespace: "flux-system", name: "alga-appliance" }, "Warning", "AuthenticationFailed", unauthorized, 3, 12)],
  });

  // The platform tier's health check times out on the status service, which does not fit in memory.
  const statusPod = workload("appliance-status", "alga-system", "appliance-status", { image: IMAGES.status, readyReplicas: 0, labels: kustomizeLabels("alga-platform", "appliance-status"), pod: { ready: false, phase: "Pending", createdMinutesAgo: 7 } });
  const pending = podOf(statusPod);
  pending["status"] = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.", lastTransitionTime: ago(7) }], qosClass: "Burstable" };
  scenarios["platform-health-check"] = appliance({
    workloads: { "appliance-status": statusPod },
    kustomizations: [
      kustomization("alga-platform", undefined, { status: "False", reason: "HealthCheckFailed", message: "health check failed after 5m0.022178643s: timeout waiting for: [Deployment/alga-system/appliance-status status: 'InProgress']" }),
      kustomization("alga-core", "alga-platform", NOT_READY_DEP("alga-platform")),
      kustomization("alga-background", "alga-core", NOT_READY_DEP("alga-core")),
    ],
    events: [event({ kind: "Pod", namespace: "alga-system", name: pending.metadata.name }, "Warning", "FailedScheduling", "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.", 2, 9)],
  });

  // A fresh install on a cluster without a StorageClass: the database claim can never bind.
  const unboundDb = workload("alga-core", "msp", "db", { kind: "StatefulSet", image: IMAGES.postgres, pvc: POSTGRES_PVC, readyReplicas: 0, pod: { ready: false, phase: "Pending", createdMinutesAgo: 19 } });
  const dbPod = podOf(unboundDb);
  dbPod["status"] = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", lastTransitionTime: ago(19) }], qosClass: "Burstable" };
  const claim = pvc("msp", POSTGRES_PVC, "Pending");
  delete claim["spec"]["storageClassName"];
  claim["metadata"]["creationTimestamp"] = ago(19);
  scenarios["pvc-no-storage-class"] = appliance({
    claims: [claim],
    workloads: { db: unboundDb, redis: null, "alga-core": null, pgbouncer: null, temporal: null, "temporal-ui": null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    helmReleases: { "alga-core": helmRelease("alga-core", "msp", "reconciling"), pgbouncer: null, temporal: null, "temporal-worker": null, "workflow-worker": null, "email-service": null },
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", { status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" }),
      kustomization("alga-background", "alga-core", NOT_READY_DEP("alga-core")),
    ],
    bootstrap: null,
    events: [
      event({ kind: "PersistentVolumeClaim", namespace: "msp", name: POSTGRES_PVC }, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set", 1, 77),
      event({ kind: "Pod", namespace: "msp", name: "db-0" }, "Warning", "FailedScheduling", "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", 1, 19),
    ],
  });

  // alga-core is killed for memory over and over.
  const oom = workload("alga-core", "msp", "alga-core-sebastian", {
    image: IMAGES.core,
    readyReplicas: 0,
    pod: { ready: false, restartCount: 6, waiting: { reason: "CrashLoopBackOff", message: "back-off 2m40s restarting failed container=alga-core-sebastian pod=alga-core-sebastian-5c9d8f7b6-q2x4m_msp(0d1e…)" }, lastTerminated: { reason: "OOMKilled", exitCode: 137, message: "" } },
  });
  scenarios["core-oom-killed"] = appliance({ workloads: { "alga-core": oom }, events: [event(refOf(oom), "Warning", "BackOff", `Back-off restarting failed container alga-core-sebastian in pod ${refOf(oom).name}_msp(0d1e…)`, 1, 27)] });

  // The migration failed: four attempts of the bootstrap Job, one cause.
  const migration = "migration 20260428_add_ticket_sla failed: error: relation \"ticket_sla\" already exists";
  const [failedJob] = bootstrapJob("failed");
  const attempts = ["a1b2c", "d3e4f", "g5h6i", "j7k8l"].map((suffix, i) => {
    const attempt = bootstrapJob("failed", { terminated: { reason: "Error", exitCode: 1, message: migration }, createdMinutesAgo: 40 - i * 5 })[1]!;
    attempt["metadata"]["name"] = `alga-core-sebastian-bootstrap-r1-${suffix}`;
    return attempt;
  });
  scenarios["migration-failed"] = appliance({
    helmReleases: { "alga-core": helmRelease("alga-core", "msp", "failed", "Helm install failed for release msp/alga-core with chart sebastian@0.1.0-rc5: failed post-install: 1 error occurred:\n\t* job alga-core-sebastian-bootstrap-r1 failed: BackoffLimitExceeded") },
    bootstrap: [failedJob!, ...attempts],
  });

  // A template error: Helm renders nothing, the error is the HelmRelease's.
  const template = "Helm install failed for release msp/alga-core with chart sebastian@0.1.0-rc5: execution error at (sebastian/templates/deployment.yaml:42:20): server.image.tag is required";
  const stuck = helmRelease("alga-core", "msp", "failed", template);
  stuck["status"]["conditions"].push({ type: "Stalled", status: "True", reason: "RetriesExceeded", message: "Failed to install after 1 attempt(s)", lastTransitionTime: ago(20) });
  scenarios["helm-template-error"] = appliance({
    helmReleases: { "alga-core": stuck },
    workloads: { "alga-core": null },
    bootstrap: null,
    kustomizations: [
      kustomization("alga-platform", undefined, READY_KS),
      kustomization("alga-core", "alga-platform", { status: "False", reason: "HealthCheckFailed", message: "health check failed after 10m0s: failed early due to stalled resources: [HelmRelease/msp/alga-core status: 'Failed']" }),
      kustomization("alga-background", "alga-core", NOT_READY_DEP("alga-core")),
    ],
  });

  // The node's disk filled up: the kubelet evicted the background worker; the disk is the problem.
  const full = node();
  full["status"]["conditions"].push({ type: "DiskPressure", status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure", lastTransitionTime: ago(6) });
  full["spec"] = { taints: [{ key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule", timeAdded: ago(6) }] };
  const evictedWorker = workload("temporal-worker", "alga-system", "temporal-worker", { image: IMAGES.temporalWorker, readyReplicas: 0, pod: { ready: false } });
  const evictedPod = podOf(evictedWorker);
  evictedPod["spec"]["nodeName"] = "appliance-single-node";
  evictedPod["status"] = { phase: "Failed", reason: "Evicted", message: "The node was low on resource: ephemeral-storage. Threshold quantity: 1717986918, available: 1203412Ki. Container temporal-worker was using 3405844Ki, request is 0, has larger consumption of ephemeral-storage." };
  scenarios["node-disk-pressure"] = appliance({
    workloads: { "temporal-worker": evictedWorker },
    events: [event({ kind: "Node", name: "appliance-single-node" }, "Warning", "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", 6, 3)],
  });
  scenarios["node-disk-pressure"].items[0] = full;

  // Docker Hub's rate limit on a background image: wait or authenticate, not "publish the tag".
  const limited = workload("temporal", "alga-system", "temporal", { image: IMAGES.temporal, readyReplicas: 0, pod: { ready: false, waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "docker.io/temporalio/server:1.24.2"' } } });
  scenarios["rate-limited-pull"] = appliance({
    workloads: { temporal: limited },
    events: [
      event(refOf(limited), "Warning", "Failed", 'Failed to pull image "docker.io/temporalio/server:1.24.2": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/temporalio/server:1.24.2": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/temporalio/server/manifests/sha256:9f0b3e2c4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit', 2, 8),
    ],
  });

  // alga-core's readiness probe started failing (its database connection pool is exhausted): the
  // kubelet marked the pod unready and the EndpointSlice controller took it out of the Service at
  // once, while the Deployment's status still counted the replica as ready. Replicas say ready;
  // login is down. (Endpoint shape: pkg/controller/endpointslice, ready = pod Ready && !terminating.)
  const unready = workload("alga-core", "msp", "alga-core-sebastian", { image: IMAGES.core, readyReplicas: 1, pod: { ready: false } });
  podOf(unready)["status"]["conditions"][1].lastTransitionTime = ago(2);
  const probe = 'Readiness probe failed: Get "http://10.42.0.87:3000/api/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
  scenarios["endpoints-unready"] = appliance({
    workloads: { "alga-core": unready },
    events: [event(refOf(unready), "Warning", "Unhealthy", probe, 0, 14)],
  });

  // The Service's selector matches no pod: a values override renamed the Service's selector
  // (app.kubernetes.io/name=alga-core) but not the pods' labels (alga-core-sebastian). The
  // EndpointSlice controller then keeps one empty placeholder slice for the Service
  // (staging/src/k8s.io/endpointslice/reconciler.go); the pods are ready, nothing routes to them.
  scenarios["service-selector-mismatch"] = appliance({ selectors: { "alga-core": { "app.kubernetes.io/name": "alga-core", "app.kubernetes.io/instance": "alga-core" } } });
  return scenarios;
}

const BUNDLE_DIGEST_FOR_SITUATIONS = `sha256:${"4f".repeat(32)}`;
