import { describe, expect, it } from "vitest";
import type { StatusEvent } from "../../../schemas/status.js";
import { COMPONENTS_BY_NAME } from "../../../src/services/status/appliance-components.js";
import type { KubeObject } from "../../../src/services/status/cluster-snapshot.js";
import { recogniseFailure } from "../../../src/services/status/failure-recognisers.js";

/**
 * Real message shapes, verbatim, each with where it was seen. Names and addresses inside them are
 * the appliance's where the original named someone else's (the shape is what is recognised).
 */
interface Shape {
  readonly source: string;
  readonly on: "Pod" | "OCIRepository" | "PersistentVolumeClaim" | "Node" | "HelmRelease";
  readonly reason: string;
  readonly message: string;
  readonly recogniser: string;
  readonly advice?: RegExp;
  readonly notAdvice?: RegExp;
  readonly retryable?: boolean;
}

const SHAPES: readonly Shape[] = [
  {
    source: "kubelet event via containerd, k3d-io/k3d#144 (lookup … on …:53: read udp …: i/o timeout)",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "ghcr.io/nine-minds/alga-psa-ee:94446747": rpc error: code = Unknown desc = failed to pull and unpack image "ghcr.io/nine-minds/alga-psa-ee:94446747": failed to resolve reference "ghcr.io/nine-minds/alga-psa-ee:94446747": failed to do request: Head "https://ghcr.io/v2/nine-minds/alga-psa-ee/manifests/94446747": dial tcp: lookup ghcr.io on 127.0.0.53:53: read udp 127.0.0.1:37126->127.0.0.53:53: i/o timeout',
    recogniser: "dns-lookup",
    advice: /node's resolver 127\.0\.0\.53/,
    notAdvice: /1\.1\.1\.1|8\.8\.8\.8/,
  },
  {
    source: "k3s-io/k3s#11472 (a pod resolving through the cluster DNS Service 10.43.0.10)",
    on: "OCIRepository",
    reason: "OCIArtifactPullFailed",
    message: "failed to determine artifact digest: Get \"https://ghcr.io/v2/\": dial tcp: lookup ghcr.io on 10.43.0.10:53: read udp 10.42.0.7:49774->10.43.0.10:53: i/o timeout",
    recogniser: "dns-lookup",
    advice: /CoreDNS/,
    notAdvice: /1\.1\.1\.1|replace/i,
  },
  {
    source: "k3s-io/k3s#1629 (containerd: lookup … : Try again, no resolver named)",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "docker.io/rancher/pause:3.1": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/rancher/pause:3.1": failed to resolve reference "docker.io/rancher/pause:3.1": failed to do request: Head https://registry-1.docker.io/v2/rancher/pause/manifests/3.1: dial tcp: lookup registry-1.docker.io: Try again',
    recogniser: "dns-lookup",
  },
  {
    source: "seeds/tiered-bootstrap-status.md (source-controller on the appliance: resolver refused)",
    on: "OCIRepository",
    reason: "OCIArtifactPullFailed",
    message: "failed to get credential from 'ghcr.io': Get \"https://ghcr.io/v2/\": dial tcp: lookup ghcr.io on 192.168.64.1:53: connection refused",
    recogniser: "dns-lookup",
  },
  {
    source: "Go resolver text (net/dnsclient): no such host",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "ghcr.io/nine-minds/pgbouncer:1.23.1": rpc error: code = Unknown desc = failed to pull and unpack image "ghcr.io/nine-minds/pgbouncer:1.23.1": failed to resolve reference "ghcr.io/nine-minds/pgbouncer:1.23.1": failed to do request: Head "https://ghcr.io/v2/nine-minds/pgbouncer/manifests/1.23.1": dial tcp: lookup ghcr.io: no such host',
    recogniser: "dns-lookup",
  },
  {
    source: "Node.js dns error text (getaddrinfo EAI_AGAIN) in a container's termination message",
    on: "Pod",
    reason: "Error",
    message: "Error (exit code 1): Error: getaddrinfo EAI_AGAIN db.msp.svc.cluster.local\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)",
    recogniser: "dns-lookup",
    advice: /cluster-internal name/,
  },
  {
    source: "Node.js dns error text (getaddrinfo ENOTFOUND)",
    on: "Pod",
    reason: "Error",
    message: "Error (exit code 1): Error: getaddrinfo ENOTFOUND smtp.example.net",
    recogniser: "dns-lookup",
    advice: /CoreDNS/,
  },
  {
    source: "namespacelabs/foundation#846 and kata-containers#10109 (Docker Hub 429)",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "docker.io/temporalio/server:1.24.2": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/temporalio/server:1.24.2": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/temporalio/server/manifests/sha256:50aa4698fa6262977cff89181b2664b99d8a56dbca847bf62f2ef04854597cf8: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    recogniser: "registry-rate-limit",
    retryable: true,
  },
  {
    source: "containerd resolver: 401 from ghcr.io (token endpoint) for a private image",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "ghcr.io/nine-minds/alga-psa-ee:94446747": rpc error: code = Unknown desc = failed to pull and unpack image "ghcr.io/nine-minds/alga-psa-ee:94446747": failed to resolve reference "ghcr.io/nine-minds/alga-psa-ee:94446747": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Anine-minds%2Falga-psa-ee%3Apull&service=ghcr.io: 401 Unauthorized',
    recogniser: "registry-auth",
    advice: /Renew the registry credentials|credentials that may read/,
    notAdvice: /DNS server|resolver/,
    retryable: false,
  },
  {
    source: "containerd resolver: 403 Forbidden",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "ghcr.io/nine-minds/email-service:61e4a00e": rpc error: code = Unknown desc = failed to pull and unpack image "ghcr.io/nine-minds/email-service:61e4a00e": failed to resolve reference "ghcr.io/nine-minds/email-service:61e4a00e": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Anine-minds%2Femail-service%3Apull&service=ghcr.io: 403 Forbidden',
    recogniser: "registry-auth",
  },
  {
    source: "Docker Hub: pull access denied (repository does not exist or may require authorization)",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "docker.io/nineminds/private-worker:1.0": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/nineminds/private-worker:1.0": failed to resolve reference "docker.io/nineminds/private-worker:1.0": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
    recogniser: "registry-auth",
  },
  {
    source: "seeds/tiered-bootstrap-status.md (containerd NotFound for a tag never published)",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "ghcr.io/nine-minds/workflow-worker:61e4a00e": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/nine-minds/workflow-worker:61e4a00e": failed to resolve reference "ghcr.io/nine-minds/workflow-worker:61e4a00e": ghcr.io/nine-minds/workflow-worker:61e4a00e: not found',
    recogniser: "missing-image-tag",
    retryable: false,
  },
  {
    source: "seeds/tiered-bootstrap-status.md (pull cut off)",
    on: "Pod",
    reason: "Failed",
    message: 'Failed to pull image "ghcr.io/nine-minds/email-service:61e4a00e": rpc error: code = Canceled desc = failed to pull and unpack image "ghcr.io/nine-minds/email-service:61e4a00e": failed to copy: httpReadSeeker: failed open: context canceled',
    recogniser: "interrupted-image-pull",
    retryable: true,
  },
  {
    source: "kubelet eviction manager (pkg/kubelet/eviction/helpers.go message format)",
    on: "Pod",
    reason: "Evicted",
    message: "The node was low on resource: ephemeral-storage. Threshold quantity: 1717986918, available: 1203412Ki. Container temporal-worker was using 3405844Ki, request is 0, has larger consumption of ephemeral-storage.",
    recogniser: "eviction",
    advice: /Free disk space on node appliance-single-node/,
  },
  {
    source: "kube-scheduler FailedScheduling (Insufficient memory)",
    on: "Pod",
    reason: "FailedScheduling",
    message: "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    recogniser: "unschedulable",
  },
  {
    source: "kube-scheduler FailedScheduling (taint from DiskPressure)",
    on: "Pod",
    reason: "FailedScheduling",
    message: "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    recogniser: "unschedulable",
  },
  {
    source: "PV controller (Normal FailedBinding, as kubectl describe pvc shows it)",
    on: "PersistentVolumeClaim",
    reason: "FailedBinding",
    message: "no persistent volumes available for this claim and no storage class is set",
    recogniser: "storage-provisioning",
    advice: /StorageClass/,
  },
  {
    source: "PV controller ProvisioningFailed for a missing class",
    on: "PersistentVolumeClaim",
    reason: "ProvisioningFailed",
    message: 'storageclass.storage.k8s.io "fast-ssd" not found',
    recogniser: "storage-provisioning",
  },
  {
    source: "kubelet node condition (KubeletHasDiskPressure)",
    on: "Node",
    reason: "KubeletHasDiskPressure",
    message: "DiskPressure: kubelet has disk pressure",
    recogniser: "node-condition",
  },
  {
    source: "node lifecycle controller (NodeStatusUnknown)",
    on: "Node",
    reason: "NodeStatusUnknown",
    message: "Kubelet stopped posting node status.",
    recogniser: "node-condition",
  },
  {
    source: "kubelet container status (OOMKilled)",
    on: "Pod",
    reason: "OOMKilled",
    message: "OOMKilled (exit code 137)",
    recogniser: "out-of-memory",
  },
  {
    source: "kubelet CreateContainerConfigError for a missing Secret",
    on: "Pod",
    reason: "CreateContainerConfigError",
    message: 'secret "alga-core-site" not found',
    recogniser: "missing-reference",
  },
  {
    source: "helm-controller Ready message (template execution error)",
    on: "HelmRelease",
    reason: "InstallFailed",
    message: "Helm install failed for release msp/alga-core with chart sebastian@0.1.0-rc5: execution error at (sebastian/templates/deployment.yaml:42:20): server.image.tag is required",
    recogniser: "helm-chart",
  },
  {
    source: "source-controller (failed to pull artifact)",
    on: "OCIRepository",
    reason: "OCIArtifactPullFailed",
    message: "failed to pull artifact from 'oci://ghcr.io/nine-minds/alga-appliance-config': GET https://ghcr.io/v2/nine-minds/alga-appliance-config/blobs/sha256:8f5e: unexpected status code 500 Internal Server Error",
    recogniser: "config-source-fetch",
  },
];

function objectFor(shape: Shape): KubeObject {
  if (shape.on === "Node") return { kind: "Node", metadata: { name: "appliance-single-node" }, spec: {} };
  if (shape.on === "Pod") return { kind: "Pod", metadata: { name: "temporal-worker-6c9f7d5b8-x2k4p", namespace: "alga-system" }, spec: { nodeName: "appliance-single-node", imagePullSecrets: [{ name: "ghcr-pull" }] } };
  if (shape.on === "OCIRepository") return { kind: "OCIRepository", metadata: { name: "alga-appliance", namespace: "flux-system" }, spec: { url: "oci://ghcr.io/nine-minds/alga-appliance-config" } };
  if (shape.on === "HelmRelease") return { kind: "HelmRelease", metadata: { name: "alga-core", namespace: "msp" }, spec: {} };
  return { kind: "PersistentVolumeClaim", metadata: { name: "alga-core-sebastian-postgres-data", namespace: "msp" }, spec: {} };
}

describe("point 6: recognisers for real message shapes", () => {
  for (const shape of SHAPES) {
    it(`${shape.recogniser}: ${shape.source}`, () => {
      const object = objectFor(shape);
      const signal: StatusEvent = { time: "2026-04-30T11:58:00.000Z", type: shape.reason === "FailedBinding" ? "Normal" : "Warning", reason: shape.reason, message: shape.message, object: { kind: object.kind, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}), name: object.metadata.name }, count: 3 };
      const found = recogniseFailure([signal], COMPONENTS_BY_NAME.get("temporal-worker")!, object);
      expect(found?.recogniser).toBe(shape.recogniser);
      expect(found!.evidence.message).toBe(shape.message);
      if (shape.advice) expect(found!.nextAction).toMatch(shape.advice);
      if (shape.notAdvice) expect(found!.nextAction).not.toMatch(shape.notAdvice);
      if (shape.retryable !== undefined) expect(found!.retryable).toBe(shape.retryable);
    });
  }

  it("a registry 401 is never advised as DNS, and a DNS failure inside 'failed to get credential' is never advised as credentials", () => {
    const pod = objectFor(SHAPES[0]!);
    const auth = recogniseFailure([{ time: null, type: "Warning", reason: "Failed", message: SHAPES.find((s) => s.recogniser === "registry-auth")!.message, object: { kind: "Pod", name: "x" }, count: 1 }], COMPONENTS_BY_NAME.get("alga-core")!, pod)!;
    expect(auth.nextAction).not.toMatch(/check DNS|DNS server|resolver|CoreDNS/);
    const dns = recogniseFailure([{ time: null, type: "Warning", reason: "Failed", message: SHAPES[3]!.message, object: { kind: "OCIRepository", name: "alga-appliance" }, count: 1 }], COMPONENTS_BY_NAME.get("flux-source")!, objectFor(SHAPES[3]!))!;
    expect(dns.recogniser).toBe("dns-lookup");
    expect(dns.nextAction).not.toMatch(/credential/i);
  });
});
