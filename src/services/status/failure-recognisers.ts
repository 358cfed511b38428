import type { StatusEvent } from "../../../schemas/status.js";
import type { ApplianceComponent } from "./appliance-components.js";
import type { KubeObject } from "./cluster-snapshot.js";
import { COMPONENT_PLACEMENT, FLUX_NAMESPACE } from "../../../schemas/components.js";

/** Where alga-core (and its database) runs. */
const CORE_NAMESPACE = COMPONENT_PLACEMENT["alga-core"].namespace;

/** What a recogniser concluded from one message. */
export interface RecognisedFailure {
  readonly recogniser: string;
  readonly layer: string;
  /** What failed, in a sentence; the verbatim message goes beside it. */
  readonly reason: string;
  readonly nextAction: string;
  readonly retryable: boolean;
  /** What failed (an image, a host name, a node): the same failure seen on several objects is one blocker. */
  readonly subject?: string;
  /** Commands beside the object's own (CoreDNS logs for a DNS failure). */
  readonly commands?: readonly string[];
  /** The failure is the node's, not the object's it was seen on (an eviction for disk space). */
  readonly nodeName?: string;
  readonly evidence: StatusEvent;
}

type Found = Omit<RecognisedFailure, "recogniser" | "evidence">;

interface Recogniser {
  readonly name: string;
  recognise(signal: StatusEvent, component: ApplianceComponent, object: KubeObject): Found | undefined;
}

// Shapes of real messages (sources noted in test/services/status/message-fixtures.ts).
const DNS_LOOKUP = /lookup ([^\s:]+)(?: on \[?([0-9a-fA-F.:]+?)\]?(?::53)?)?: (?:[^"]*?: )?(connection refused|no such host|server misbehaving|i\/o timeout|Temporary failure in name resolution|no answer from DNS server|Try again)/i;
const APP_DNS = /getaddrinfo (EAI_AGAIN|ENOTFOUND) ([^\s"',)]+)/;
const PULL_FAILURE = /Failed to pull image "([^"]+)"/i;
const IMAGE_IN_MESSAGE = /image "([^"]+)"/i;
const MISSING_TAG = /(: not found|manifest unknown|NotFound desc|repository does not exist|name unknown)/i;
const INTERRUPTED_PULL = /(context canceled|context cancelled|context deadline exceeded|code = Canceled|unexpected EOF|connection reset by peer|i\/o timeout|TLS handshake timeout)/i;
const RATE_LIMITED = /(429 Too Many Requests|toomanyrequests|rate limit)/i;
const REGISTRY_AUTH = /(401 Unauthorized|403 Forbidden|unauthorized: |denied: |pull access denied|authentication required|insufficient_scope|invalid username\/password|no basic auth credentials|failed to get credential)/i;
const SUBPATH_FAILURE = /failed to create subPath directory for volumeMount "([^"]+)"/i;
const TEMPORAL_SCHEMA = /sql schema version compatibility check failed/i;
const SERVICE_LINK_COLLISION = /cannot unmarshal !!str `?tcp:\/\/[^`\s]*`?\s+into int/i;
const EVICTED = /The node was low on resource: ([a-z-]+)/i;
const INSUFFICIENT = /Insufficient (memory|cpu|ephemeral-storage|pods|[a-z0-9./-]+)/i;
const TAINT = /untolerated taint\(?s?\)? \{?([^}:]+)/i;
const NO_STORAGE_CLASS = /no persistent volumes available for this claim and no storage class is set/i;
const STORAGE_CLASS_MISSING = /storageclass(?:\.storage\.k8s\.io)? "([^"]+)" not found/i;
const PROVISIONING = /(failed to provision volume|ProvisioningFailed|waiting for a volume to be created.*failed)/i;
const MISSING_REFERENCE = /(secret|configmap) "([^"]+)" not found/i;
const HELM_TEMPLATE = /(execution error at|template: [^\s]+: executing|parse error|YAML parse error|error converting YAML|unable to build kubernetes objects|error validating data|values don't meet the specifications|INSTALLATION FAILED|UPGRADE FAILED|rendered manifests contain a resource that already exists)/i;
const SOURCE_FETCH = /(failed to pull artifact|failed to determine artifact digest|failed to get artifact|artifact .* not found|failed to fetch|unable to pull|HEAD .*: unexpected status code)/i;

/** Service CIDRs of k3s (10.43.0.0/16) and kubeadm (10.96.0.0/12): a resolver there is the cluster DNS Service, i.e. CoreDNS. */
function isClusterDnsAddress(address: string | undefined): boolean {
  if (!address) return false;
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) return false;
  return (parts[0] === 10 && parts[1] === 43) || (parts[0] === 10 && parts[1]! >= 96 && parts[1]! <= 111);
}

const COREDNS_COMMANDS = [
  "kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide",
  "kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50",
  "kubectl -n kube-system get configmap coredns -o yaml",
];

function imageOf(message: string): string | undefined {
  return PULL_FAILURE.exec(message)?.[1] ?? IMAGE_IN_MESSAGE.exec(message)?.[1];
}

function registryOf(reference: string): string {
  const first = reference.split("/")[0] ?? reference;
  return reference.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

/** Where an object pulls with which secret: the pod's imagePullSecrets or a Flux source's secretRef. */
function credentialNames(object: KubeObject): string[] {
  const pullSecrets = (object.spec?.["imagePullSecrets"] as { name: string }[] | undefined)?.map((s) => s.name) ?? [];
  const secretRef = (object.spec?.["secretRef"] as { name?: string } | undefined)?.name;
  return [...pullSecrets, ...(secretRef ? [secretRef] : [])];
}

function ns(object: KubeObject): string {
  return object.metadata.namespace ?? "default";
}

/** The most telling words of an interrupted pull's message. */
function interruption(message: string): string {
  return INTERRUPTED_PULL.exec(message)?.[1] ?? "canceled";
}

/**
 * Recognisers for the message shapes kubelet, containerd, the Flux controllers and the
 * appliance's own programs write, most fundamental first: a DNS failure explains an auth-looking
 * "failed to get credential", a missing tag is told apart from an interrupted or rate-limited pull.
 */
const RECOGNISERS: readonly Recogniser[] = [
  {
    name: "node-condition",
    recognise(signal, _component, object) {
      if (object.kind !== "Node") return undefined;
      const node = object.metadata.name;
      const disk = /DiskPressure/.test(signal.message);
      const memory = /MemoryPressure/.test(signal.message);
      const pids = /PIDPressure/.test(signal.message);
      const notReady = /NodeStatusUnknown|KubeletNotReady|NotReady|not ready/i.test(`${signal.reason} ${signal.message}`);
      if (!disk && !memory && !pids && !notReady) return undefined;
      const layer = disk ? "Node disk pressure" : memory ? "Node memory pressure" : pids ? "Node process limit" : "Node not ready";
      const nextAction = disk
        ? `Free disk space on node ${node} (container images and logs under /var/lib/rancher and /var/log fill it); the kubelet evicts pods and refuses new ones until it has room.`
        : memory
          ? `Node ${node} is out of memory: stop what else runs on it, or give the appliance VM more memory.`
          : pids
            ? `Node ${node} has run out of process IDs: find the pod forking without limit (kubectl top pods -A) and stop it.`
            : `Node ${node} is not ready: check that k3s runs (systemctl status k3s; journalctl -u k3s) and that the node has disk, memory and network.`;
      return { layer, reason: `Node ${node}: ${layer.toLowerCase()}`, nextAction, retryable: false, subject: `node/${node}`, nodeName: node, commands: [`kubectl describe node ${node}`, "kubectl get events -A --field-selector involvedObject.kind=Node"] };
    },
  },
  {
    name: "eviction",
    recognise(signal, _component, object) {
      const match = EVICTED.exec(signal.message);
      if (!match) return undefined;
      const resource = match[1]!;
      const node = (object.spec?.["nodeName"] as string | undefined) ?? "the node";
      const disk = resource.includes("storage") || resource.includes("inodes") || resource === "nodefs" || resource === "imagefs";
      return {
        layer: disk ? "Node disk pressure" : "Node resource pressure",
        reason: `The kubelet evicted ${object.kind} ${ns(object)}/${object.metadata.name} because node ${node} was low on ${resource}; the node's ${disk ? "disk" : resource}, not this pod, is the problem`,
        nextAction: disk
          ? `Free disk space on node ${node} (df -h /var/lib/rancher /var/log on the node; remove unused images with k3s crictl rmi --prune), then delete the evicted pods.`
          : `Give node ${node} more ${resource} or stop what uses it, then delete the evicted pods.`,
        retryable: false,
        subject: `node/${node}/${resource}`,
        nodeName: node,
        commands: [`kubectl describe node ${node}`, `kubectl get pods -A --field-selector status.phase=Failed`],
      };
    },
  },
  {
    name: "dns-lookup",
    recognise(signal, component, object) {
      const lookup = DNS_LOOKUP.exec(signal.message);
      const app = lookup ? undefined : APP_DNS.exec(signal.message);
      if (!lookup && !app) return undefined;
      const host = lookup ? lookup[1]! : app![2]!;
      const resolver = lookup?.[2];
      const failure = lookup ? lookup[3]! : app![1]!;
      // Pods (Flux's controllers, the appliance's programs) resolve through the cluster DNS Service,
      // i.e. CoreDNS, which forwards to the node's resolver; the kubelet pulling an image uses the node's.
      const fromKubelet = object.kind === "Pod" && /Failed to pull image|failed to resolve reference|failed to do request/i.test(signal.message);
      const clusterDns = isClusterDnsAddress(resolver) || (!resolver && !fromKubelet);
      const internal = !host.includes(".") || /\.svc(\.cluster\.local)?\.?$/.test(host);
      const nextAction = internal
        ? `${host} is a cluster-internal name: check that its Service exists in the namespace ${ns(object)} and that CoreDNS runs.`
        : clusterDns
          ? `The cluster DNS Service${resolver ? ` ${resolver}` : ""} is CoreDNS: check that CoreDNS runs and that its upstream (the node's /etc/resolv.conf, which it forwards to) answers for ${host}.`
          : `The node's resolver ${resolver ?? ""} ${failure === "connection refused" ? "refuses" : "does not answer"} DNS queries: point the appliance's network setup at a DNS server that answers on this network (check /etc/resolv.conf and resolvectl status on the node), then retry.`;
      return {
        layer: clusterDns || internal ? "Cluster DNS resolution (CoreDNS)" : "Upstream DNS resolution",
        reason: `DNS lookup of ${host}${resolver ? ` through ${resolver}` : ""} failed (${failure}) for ${component.name}`,
        nextAction: nextAction.replace(/\s+/g, " "),
        retryable: true,
        subject: `dns/${host}`,
        commands: clusterDns || internal ? COREDNS_COMMANDS : [],
      };
    },
  },
  {
    name: "registry-rate-limit",
    recognise(signal, component) {
      if (!RATE_LIMITED.test(signal.message)) return undefined;
      const image = imageOf(signal.message);
      return {
        layer: "Registry rate limit",
        reason: `The registry ${image ? registryOf(image) : ""} refused the pull of ${image ?? "an image"} for ${component.name}: too many requests (rate-limited)`.replace("  ", " "),
        nextAction: "Wait for the registry's rate limit to reset (the kubelet retries by itself), or pull with an authenticated account whose limit is higher.",
        retryable: true,
        ...(image ? { subject: `ratelimit/${registryOf(image)}` } : {}),
      };
    },
  },
  {
    name: "registry-auth",
    recognise(signal, _component, object) {
      if (!REGISTRY_AUTH.test(signal.message)) return undefined;
      const image = imageOf(signal.message);
      const host = image ? registryOf(image) : (/from '([^']+)'/.exec(signal.message)?.[1] ?? /https?:\/\/([^/"\s]+)/.exec(signal.message)?.[1]);
      const secrets = credentialNames(object);
      const renew = secrets.length
        ? `Renew the registry credentials in Secret ${ns(object)}/${secrets[0]} (they are expired, revoked or lack read access${host ? ` to ${host}` : ""})`
        : `Give ${object.kind} ${ns(object)}/${object.metadata.name} credentials that may read${host ? ` from ${host}` : " the image"} (an imagePullSecret or the Flux source's secretRef)`;
      return {
        layer: "Registry credentials",
        reason: `The registry${host ? ` ${host}` : ""} refused the credentials for ${image ?? `${object.kind} ${object.metadata.name}`}`,
        nextAction: `${renew}, then retry; this is not a network or DNS problem.`,
        retryable: false,
        subject: `auth/${host ?? object.metadata.name}`,
        commands: secrets.length
          ? [`kubectl -n ${ns(object)} create secret docker-registry ${secrets[0]} --docker-server=${host ?? "<registry>"} --docker-username=<user> --docker-password=<token> --dry-run=client -o yaml | kubectl apply -f -`]
          : [],
      };
    },
  },
  {
    name: "postgres-subpath",
    recognise(signal, _component, object) {
      const match = SUBPATH_FAILURE.exec(signal.message);
      if (!match) return undefined;
      return {
        layer: "Core Postgres storage initialization",
        reason: `The database pod cannot start: failed to create the subPath directory for volumeMount "${match[1]}" in its volume`,
        nextAction: `Create the data directory inside the Postgres volume (mkdir -p /mnt/data; chown 999:999; chmod 700 via a one-off Job mounting the PVC), delete pod ${ns(object) ?? CORE_NAMESPACE}/${object.metadata.name} so it restarts, then run: flux reconcile helmrelease alga-core -n ${CORE_NAMESPACE} --force`,
        retryable: false,
      };
    },
  },
  {
    name: "storage-provisioning",
    recognise(signal, component, object) {
      const noClass = NO_STORAGE_CLASS.test(signal.message);
      const missingClass = STORAGE_CLASS_MISSING.exec(signal.message);
      if (!noClass && !missingClass && !(object.kind === "PersistentVolumeClaim" && (signal.reason === "ProvisioningFailed" || PROVISIONING.test(signal.message)))) return undefined;
      const claim = object.kind === "PersistentVolumeClaim" ? `${ns(object)}/${object.metadata.name}` : "the claim";
      return {
        layer: "Storage provisioning",
        reason: noClass
          ? `PVC ${claim} of ${component.name} names no StorageClass and the cluster has no default one, so no volume is provisioned`
          : missingClass
            ? `PVC ${claim} of ${component.name} asks for StorageClass "${missingClass[1]}", which does not exist`
            : `The volume for PVC ${claim} of ${component.name} could not be provisioned`,
        nextAction: noClass || missingClass
          ? "Make a StorageClass available (k3s ships local-path; mark one default with the annotation storageclass.kubernetes.io/is-default-class=true), then recreate the claim."
          : "Read the provisioner's error below and fix its cause (disk space, the provisioner pod), then recreate the claim.",
        retryable: false,
        subject: `pvc/${claim}`,
        commands: ["kubectl get storageclass"],
      };
    },
  },
  {
    name: "unschedulable",
    recognise(signal, component, object) {
      if (object.kind !== "Pod" || !/nodes are available|FailedScheduling|Unschedulable/i.test(`${signal.reason} ${signal.message}`)) return undefined;
      if (/unbound immediate PersistentVolumeClaims|persistentvolumeclaim .* not found/i.test(signal.message)) return undefined;
      const insufficient = INSUFFICIENT.exec(signal.message);
      const taint = TAINT.exec(signal.message);
      if (!insufficient && !taint) return undefined;
      const what = insufficient ? `not enough ${insufficient[1]} on the node` : `the node has a taint the pod does not tolerate (${taint![1]!.trim()})`;
      return {
        layer: insufficient ? "Scheduling: node capacity" : "Scheduling: node taint",
        reason: `${component.name} cannot be scheduled: ${what}`,
        nextAction: insufficient
          ? `Free ${insufficient[1]} on the node or give the appliance VM more; the pods' requests are in kubectl describe node (Allocated resources).`
          : `Remove the cause of the taint ${taint![1]!.trim()} (a pressure condition clears it) or remove a manual taint with kubectl taint nodes --all ${taint![1]!.trim()}-`,
        retryable: false,
        subject: insufficient ? `capacity/${insufficient[1]}` : `taint/${taint![1]!.trim()}`,
        commands: ["kubectl describe nodes"],
      };
    },
  },
  {
    name: "missing-image-tag",
    recognise(signal, component) {
      const image = PULL_FAILURE.exec(signal.message)?.[1];
      if (!image || !MISSING_TAG.test(signal.message)) return undefined;
      return {
        layer: "Image tag availability",
        reason: `Image ${image} does not exist in its registry (${component.name} cannot start)`,
        nextAction: `Publish ${image} to the registry, or pin an existing tag for ${component.name} in the release file and publish the release again; then update the appliance to that release.`,
        retryable: false,
        subject: `image/${image}`,
      };
    },
  },
  {
    name: "interrupted-image-pull",
    recognise(signal, _component, object) {
      const image = PULL_FAILURE.exec(signal.message)?.[1];
      if (!image || !INTERRUPTED_PULL.test(signal.message)) return undefined;
      return {
        layer: "Image pull interruption",
        reason: `The pull of ${image} was interrupted (${interruption(signal.message)}); the image exists, the download stopped`,
        nextAction: `Wait for the kubelet to retry, or delete pod ${ns(object)}/${object.metadata.name} to retry the pull now; check the network if it keeps happening.`,
        retryable: true,
        subject: `image/${image}`,
      };
    },
  },
  {
    name: "out-of-memory",
    recognise(signal, component, object) {
      if (signal.reason !== "OOMKilled" && !/OOMKilled/.test(signal.message)) return undefined;
      return {
        layer: "Out of memory",
        reason: `A container of ${component.name} was killed for exceeding its memory limit`,
        nextAction: `Raise the memory limit of ${component.name} in the release's values (or the node's memory if the limit is already generous), then reconcile its HelmRelease; kubectl -n ${ns(object)} describe pod ${object.metadata.name} shows the limit.`,
        retryable: false,
      };
    },
  },
  {
    name: "missing-reference",
    recognise(signal, component, object) {
      if (object.kind !== "Pod") return undefined;
      const match = MISSING_REFERENCE.exec(signal.message);
      if (!match || !/CreateContainerConfigError|FailedMount|not found/.test(`${signal.reason} ${signal.message}`)) return undefined;
      const what = match[1]!.toLowerCase() === "secret" ? "Secret" : "ConfigMap";
      return {
        layer: "Missing configuration",
        reason: `${component.name} needs ${what} ${ns(object)}/${match[2]}, which does not exist`,
        nextAction: `Create ${what} ${ns(object)}/${match[2]} (setup writes the site's Secrets and ConfigMaps; re-run it if it did not finish), then the pod starts by itself.`,
        retryable: false,
        subject: `${what}/${ns(object)}/${match[2]}`,
        commands: [`kubectl -n ${ns(object)} get ${what.toLowerCase()} ${match[2]}`],
      };
    },
  },
  {
    name: "temporal-schema",
    recognise(signal) {
      if (!TEMPORAL_SCHEMA.test(signal.message)) return undefined;
      return {
        layer: "Temporal schema initialization",
        reason: "Temporal found no usable database schema: sql schema version compatibility check failed (the server ran without autosetup)",
        nextAction: `Run Temporal with its autosetup entrypoint (/etc/temporal/entrypoint.sh autosetup; the kit's Temporal post-renderer sets it), then run: flux reconcile helmrelease temporal -n ${COMPONENT_PLACEMENT.temporal.namespace} --force`,
        retryable: false,
      };
    },
  },
  {
    name: "service-link-collision",
    recognise(signal, component) {
      if (!SERVICE_LINK_COLLISION.test(signal.message)) return undefined;
      return {
        layer: "Kubernetes service-link environment collision",
        reason: `${component.name} read a Kubernetes service-link variable (tcp://…) where it expects a port number`,
        nextAction: `Set enableServiceLinks: false on the ${component.name} pod spec (the kit's Temporal post-renderer does this), then reconcile its HelmRelease.`,
        retryable: false,
      };
    },
  },
  {
    name: "helm-chart",
    recognise(signal, component, object) {
      if (object.kind !== "HelmRelease" || !HELM_TEMPLATE.test(signal.message)) return undefined;
      return {
        layer: "Helm chart rendering",
        reason: `Helm could not ${/upgrade/i.test(signal.message) ? "upgrade" : "install"} ${component.name}: the chart or its values are wrong`,
        nextAction: `Fix the values or chart version of ${object.metadata.name} in the release file, publish the release again and update the appliance; waiting does not help.`,
        retryable: false,
      };
    },
  },
  {
    name: "config-source-fetch",
    recognise(signal, _component, object) {
      if (object.kind !== "OCIRepository" && object.kind !== "HelmRepository" && object.kind !== "GitRepository") return undefined;
      if (!SOURCE_FETCH.test(signal.message)) return undefined;
      const url = object.spec?.["url"] as string | undefined;
      return {
        layer: "Config source fetch",
        reason: `Flux cannot fetch ${object.kind} ${ns(object)}/${object.metadata.name}${url ? ` (${url})` : ""}`,
        nextAction: `Check that the registry answers from the appliance and that the artifact exists, then run: flux reconcile source ${object.kind === "OCIRepository" ? "oci" : object.kind === "GitRepository" ? "git" : "helm"} ${object.metadata.name} -n ${ns(object) ?? FLUX_NAMESPACE}`,
        retryable: true,
        subject: `source/${ns(object)}/${object.metadata.name}`,
      };
    },
  },
];

/** The first recognised failure among an object's signals (newest signals first, recognisers in priority order). */
export function recogniseFailure(signals: readonly StatusEvent[], component: ApplianceComponent, object: KubeObject): RecognisedFailure | undefined {
  for (const recogniser of RECOGNISERS) {
    for (const signal of signals) {
      // Some controllers report failures as Normal events (the PV controller's FailedBinding).
      if (signal.type !== "Warning" && !signal.reason.startsWith("Failed")) continue;
      const found = recogniser.recognise(signal, component, object);
      if (found) return { recogniser: recogniser.name, ...found, evidence: signal };
    }
  }
  return undefined;
}

/** A recogniser's rank: lower is more fundamental (nodes and DNS before storage before images before app config). */
export function recogniserRank(name: string | undefined): number {
  const index = RECOGNISERS.findIndex((r) => r.name === name);
  return index === -1 ? RECOGNISERS.length : index;
}
