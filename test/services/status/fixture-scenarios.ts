import {
  type Obj,
  IMAGES,
  POSTGRES_PVC,
  READY_KS,
  appliance,
  bootstrapJob,
  event,
  helmRelease,
  kustomization,
  ociRepository,
  podOf,
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

  return scenarios;
}
