import type { StatusEvent } from "../../../schemas/status.js";
import type { ApplianceComponent } from "./appliance-components.js";
import { COMPONENT_PLACEMENT } from "../../../schemas/components.js";

/** Where alga-core (and its database) runs. */
const CORE_NAMESPACE = COMPONENT_PLACEMENT["alga-core"].namespace;

/** What a recogniser concluded from one message. */
export interface RecognisedFailure {
  readonly recogniser: string;
  readonly layer: string;
  readonly reason: string;
  readonly nextAction: string;
  readonly retryable: boolean;
  /** Overrides the tier rule (an interrupted pull never needs a person to change anything). */
  readonly loginBlocking?: boolean;
  /** What failed (an image, a host name): the same failure seen on several objects is one blocker. */
  readonly subject?: string;
  readonly evidence: StatusEvent;
}

interface Recogniser {
  readonly name: string;
  recognise(message: string, component: ApplianceComponent, event: StatusEvent): Omit<RecognisedFailure, "recogniser" | "evidence"> | undefined;
}

const DNS_FAILURE = /lookup ([^\s:]+)(?: on ([^\s]+?))?: ?(connection refused|no such host|server misbehaving|i\/o timeout|Temporary failure in name resolution)/i;
const SUBPATH_FAILURE = /failed to create subPath directory for volumeMount "([^"]+)"/i;
const PULL_FAILURE = /Failed to pull image "([^"]+)"/i;
const MISSING_TAG = /(: not found|manifest unknown|NotFound desc|repository does not exist|name unknown)/i;
const INTERRUPTED_PULL = /(context canceled|context cancelled|context deadline exceeded|code = Canceled|unexpected EOF|connection reset by peer)/i;
const TEMPORAL_SCHEMA = /sql schema version compatibility check failed/i;
const SERVICE_LINK_COLLISION = /cannot unmarshal !!str `?tcp:\/\/[^`\s]*`?\s+into int/i;

/** The most telling words of an interrupted pull's message. */
function interruption(message: string): string {
  for (const words of ["context canceled", "context cancelled", "context deadline exceeded", "connection reset by peer", "unexpected EOF"]) {
    if (message.includes(words)) return words;
  }
  return "canceled";
}

/**
 * The failures seen on real appliance installs (seeds/tiered-bootstrap-status.md), most
 * specific first. A missing tag is recognised before an interrupted pull: a pull of a tag that
 * does not exist can also end in "context canceled" on retry, and only publishing fixes it.
 */
export const RECOGNISERS: readonly Recogniser[] = [
  {
    name: "dns-lookup",
    recognise(message) {
      const match = DNS_FAILURE.exec(message);
      if (!match) return undefined;
      const resolver = match[2] ? ` through ${match[2]}` : "";
      return {
        layer: "Platform DNS resolution",
        reason: `DNS lookup of ${match[1]}${resolver} failed: ${match[3]}`,
        nextAction: `Configure explicit DNS servers for the appliance (for example 1.1.1.1 and 8.8.8.8) in the network setup${resolver ? ` instead of the resolver${resolver.replace(" through", "")}` : ""}, then retry the install; nothing can be downloaded until names resolve.`,
        retryable: true,
        loginBlocking: true,
        subject: match[1]!,
      };
    },
  },
  {
    name: "postgres-subpath",
    recognise(message, _component, event) {
      const match = SUBPATH_FAILURE.exec(message);
      if (!match) return undefined;
      return {
        layer: "Core Postgres storage initialization",
        reason: `The database pod cannot start: failed to create the subPath directory for volumeMount "${match[1]}" in its volume`,
        nextAction: `Create the data directory inside the Postgres volume (mkdir -p /mnt/data; chown 999:999; chmod 700 via a one-off Job mounting the PVC), delete pod ${event.object.namespace ?? CORE_NAMESPACE}/${event.object.name} so it restarts, then run: flux reconcile helmrelease alga-core -n ${CORE_NAMESPACE} --force`,
        retryable: false,
      };
    },
  },
  {
    name: "missing-image-tag",
    recognise(message, component) {
      const pull = PULL_FAILURE.exec(message);
      if (!pull || !MISSING_TAG.test(message)) return undefined;
      const background = component.tier === "background";
      return {
        layer: "Image tag availability",
        reason: `Image ${pull[1]} does not exist in its registry (${component.name} cannot start${background ? "; login is not affected" : "; login is blocked"})`,
        nextAction: `Publish ${pull[1]} to the registry, or pin an existing tag for ${component.name} in the release file and publish the release again; then update the appliance to that release.`,
        retryable: false,
        subject: pull[1]!,
      };
    },
  },
  {
    name: "interrupted-image-pull",
    recognise(message, component, event) {
      const pull = PULL_FAILURE.exec(message);
      if (!pull || !INTERRUPTED_PULL.test(message)) return undefined;
      return {
        layer: "Image pull interruption",
        reason: `The pull of ${pull[1]} was interrupted (${interruption(message)}); the image exists, the download stopped`,
        nextAction: `Wait for the kubelet to retry, or delete pod ${event.object.namespace ?? ""}/${event.object.name} to retry the pull now; check the network if it keeps happening.`,
        retryable: true,
        loginBlocking: component.tier !== "background",
        subject: pull[1]!,
      };
    },
  },
  {
    name: "temporal-schema",
    recognise(message) {
      if (!TEMPORAL_SCHEMA.test(message)) return undefined;
      return {
        layer: "Temporal schema initialization",
        reason: "Temporal found no usable database schema: sql schema version compatibility check failed (the server ran without autosetup)",
        nextAction: "Run Temporal with its autosetup entrypoint (/etc/temporal/entrypoint.sh autosetup; the kit's Temporal post-renderer sets it), then run: flux reconcile helmrelease temporal -n alga-system --force",
        retryable: false,
      };
    },
  },
  {
    name: "service-link-collision",
    recognise(message, component) {
      if (!SERVICE_LINK_COLLISION.test(message)) return undefined;
      return {
        layer: "Kubernetes service-link environment collision",
        reason: `${component.name} read a Kubernetes service-link variable (tcp://…) where it expects a port number`,
        nextAction: `Set enableServiceLinks: false on the ${component.name} pod spec (the kit's Temporal post-renderer does this), then reconcile its HelmRelease.`,
        retryable: false,
      };
    },
  },
];

/** The first recognised failure among an object's signals (newest signals first, recognisers in priority order). */
export function recogniseFailure(signals: readonly StatusEvent[], component: ApplianceComponent): RecognisedFailure | undefined {
  for (const recogniser of RECOGNISERS) {
    for (const signal of signals) {
      const found = recogniser.recognise(signal.message, component, signal);
      if (found) return { recogniser: recogniser.name, ...found, evidence: signal };
    }
  }
  return undefined;
}

/** A recogniser's rank: lower is more fundamental (DNS before storage before images before app config). */
export function recogniserRank(name: string | undefined): number {
  const index = RECOGNISERS.findIndex((r) => r.name === name);
  return index === -1 ? RECOGNISERS.length : index;
}
