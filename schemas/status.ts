import { z } from "zod";
import { Digest } from "./common.js";
import { READINESS_TIERS } from "./components.js";

/** What an operator is told about the whole appliance, in one word. */
const ROLLUP_STATES = [
  "installing",
  "ready",
  "ready_updates_blocked",
  "ready_with_background_issues",
  "fully_healthy",
  "failed_action_required",
] as const;
const RollupState = z.enum(ROLLUP_STATES);
type RollupState = z.infer<typeof RollupState>;

/** The readiness tiers, in the order an install reaches them. */
export const STATUS_TIERS = ["platform", "core", "bootstrap", "login", "background", "fullHealth"] as const;
export const StatusTier = z.enum(STATUS_TIERS);
export type StatusTier = z.infer<typeof StatusTier>;

/** The tiers a component can belong to (fullHealth is the sum of all of them). */
const COMPONENT_TIERS = READINESS_TIERS;
export const ComponentTier = z.enum(COMPONENT_TIERS);
export type ComponentTier = z.infer<typeof ComponentTier>;

/** Per-object status, after kstatus (kubernetes-sigs/cli-utils pkg/kstatus). */
const OBJECT_STATUSES = ["InProgress", "Current", "Failed", "Terminating", "NotFound", "Unknown"] as const;
export const ObjectStatus = z.enum(OBJECT_STATUSES);
export type ObjectStatus = z.infer<typeof ObjectStatus>;

/** A Kubernetes object named by kind, namespace and name. */
export const ObjectReference = z.strictObject({
  kind: z.string().min(1),
  namespace: z.string().optional(),
  name: z.string().min(1),
});
export type ObjectReference = z.infer<typeof ObjectReference>;

/** An event (or condition/container message) as the status shows it. */
export const StatusEvent = z.strictObject({
  time: z.string().nullable().describe("RFC 3339 time the event was last seen, null when Kubernetes gave none."),
  type: z.string().describe("Normal or Warning."),
  reason: z.string(),
  message: z.string(),
  object: ObjectReference,
  count: z.number().int().nonnegative(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;

/** One tier's readiness and why. */
/** How a tier looks: failing only where something failed, waiting where it only waits for another tier. */
const TIER_STATES = ["ready", "failing", "in_progress", "waiting"] as const;

export const TierReadiness = z.strictObject({
  ready: z.boolean(),
  state: z.enum(TIER_STATES).describe("ready; failing (a failure blocker is in this tier); in_progress (coming up by itself); waiting (for another tier or a dependency)."),
  reason: z.string().min(1),
  since: z.string().nullable().describe("RFC 3339 time the tier became ready (the latest readiness change among what it counts); null while not ready or when the cluster does not say."),
});
export type TierReadiness = z.infer<typeof TierReadiness>;

/** The root cause of something not being ready, and what to do about it. */
export const Blocker = z.strictObject({
  layer: z.string().min(1).describe("What kind of failure this is, e.g. 'Core Postgres storage initialization'."),
  component: z.string().min(1),
  tier: ComponentTier,
  reason: z.string().min(1).describe("What failed, with the deciding error message verbatim (trimmed)."),
  error: z.string().nullable().describe("The deciding error message as the cluster wrote it (container termination, Helm, kubelet, Flux), trimmed to 2000 characters; null when only the object's state showed the problem."),
  nextAction: z.string().min(1),
  commands: z.array(z.string().min(1)).describe("Commands an operator can paste (kubectl/flux), with the objects' real names and namespaces."),
  loginBlocking: z.boolean().describe("True when login cannot work until this is fixed."),
  blocksUpdates: z.boolean().describe("True when Flux cannot apply the next release until this is fixed (it fails a source, Kustomization or HelmRelease of a login tier)."),
  count: z.number().int().positive().describe("How many objects show this one failure (a Job's retries, replicas, pods pulling the same image)."),
  retryable: z.boolean().describe("True when retrying (or waiting) can fix it without changing anything."),
  severity: z.enum(["failure", "warning"]).describe("warning: still progressing, but for unusually long."),
  evidence: z.strictObject({
    object: ObjectReference.describe("The object that showed the problem."),
    event: StatusEvent.nullable().describe("The event or message that showed it; null when only the object's state did."),
  }),
  symptoms: z.array(ObjectReference).describe("Objects not ready only because of this root cause (e.g. a HelmRelease timing out); at most 20, symptomCount has them all."),
  symptomCount: z.number().int().nonnegative(),
});
export type Blocker = z.infer<typeof Blocker>;

/** A component of the appliance and the state of its objects. */
export const ComponentStatus = z.strictObject({
  name: z.string().min(1),
  tier: ComponentTier,
  status: ObjectStatus.describe("The worst status among the component's objects."),
  suspended: z.boolean().describe("A Flux object of this component has spec.suspend: true; Flux will not reconcile it."),
  message: z.string(),
  objectCount: z.number().int().nonnegative().describe("How many objects the component has; objects lists at most 50, the worst first."),
  objects: z.array(
    z.strictObject({
      ref: ObjectReference,
      status: ObjectStatus,
      message: z.string(),
      stuckForSeconds: z.number().int().nonnegative().nullable().describe("Set when the object has been in progress unusually long."),
    }),
  ),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

/** Work the cluster is doing that takes long but is not a failure (first boot pulls a ~1.8 GB image). */
export const ActiveOperation = z.strictObject({
  kind: z.literal("image-pull"),
  component: z.string().min(1),
  tier: ComponentTier,
  image: z.string().min(1),
  pod: ObjectReference,
  startedAt: z.string().describe("RFC 3339 time of the kubelet's 'Pulling image' event."),
  elapsedSeconds: z.number().int().nonnegative(),
  progressAvailable: z.literal(false),
  progressNote: z.string().describe("Why there is no byte progress: Kubernetes does not report it."),
});
export type ActiveOperation = z.infer<typeof ActiveOperation>;

/** Whether this status is fresh: a status service that cannot read the cluster keeps the last good state and says so. */
export const Freshness = z.strictObject({
  lastSuccessfulRead: z.string().nullable().describe("RFC 3339 time of the last complete read of the cluster; null in snapshot mode before the first read."),
  stale: z.boolean().describe("True when the last successful read is older than two refresh intervals."),
  error: z.string().nullable().describe("Why the latest read failed (API down, token unreadable, timeout); null when it succeeded."),
});
export type Freshness = z.infer<typeof Freshness>;

/** How far the install has come, for the install-progress view. */
export const InstallProgress = z.strictObject({
  startedAt: z.string().nullable().describe("RFC 3339 time the config source was created (the install began)."),
  elapsedSeconds: z.number().int().nonnegative().nullable(),
  inProgress: z
    .array(z.strictObject({ ref: ObjectReference, component: z.string().min(1), message: z.string(), forSeconds: z.number().int().nonnegative().nullable() }))
    .describe("What is still coming up (not failed), at most 20."),
  inProgressCount: z.number().int().nonnegative(),
});
export type InstallProgress = z.infer<typeof InstallProgress>;

/** The canonical appliance status: what the status service serves and `npm run status --json` prints. */
export const ApplianceStatus = z
  .strictObject({
    schemaVersion: z.literal(1),
    siteId: z.string().min(1),
    timestamp: z.string().describe("RFC 3339 time the status was computed for."),
    release: z.strictObject({
      version: z.string().nullable(),
      channel: z.string().nullable(),
      bundleDigest: Digest.nullable().describe("Digest of the config bundle the cluster runs (or the release manifest pins)."),
      sourceRevision: z.string().nullable(),
    }),
    urls: z.strictObject({
      status: z.string().nullable(),
      login: z.string().nullable(),
    }),
    rollup: z.strictObject({
      state: RollupState,
      message: z.string().min(1),
      nextAction: z.string().min(1),
    }),
    tiers: z.strictObject(Object.fromEntries(STATUS_TIERS.map((tier) => [tier, TierReadiness])) as Record<StatusTier, typeof TierReadiness>),
    freshness: Freshness,
    install: InstallProgress,
    topBlockers: z.array(Blocker).describe("Root causes first, most urgent first; at most 25, blockerCount has them all."),
    blockerCount: z.number().int().nonnegative(),
    components: z.array(ComponentStatus),
    recentEvents: z.array(StatusEvent).describe("Newest first."),
    activeOperations: z.array(ActiveOperation),
  })
  .describe("Alga PSA appliance status.");
export type ApplianceStatus = z.infer<typeof ApplianceStatus>;
