import { standardLabels } from "../../constructs/labels.js";
import type { KubernetesObject } from "../policy/rendered-file.js";

/** Name of the in-cluster store's Deployment, Service, volume and NetworkPolicy. */
export const IN_CLUSTER_STORE_NAME = "alga-iso-store";
/** The store's S3 port (container and Service). */
export const IN_CLUSTER_STORE_PORT = 9000;
/** The Secret holding the store's root credentials (MINIO_ROOT_USER / MINIO_ROOT_PASSWORD). */
export const IN_CLUSTER_STORE_ROOT_SECRET = `${IN_CLUSTER_STORE_NAME}-root`;
/**
 * MinIO removes multipart uploads left incomplete after this long. MinIO has no
 * AbortIncompleteMultipartUpload lifecycle action (its lifecycle parser drops it; the MinIO provider
 * cannot express it): its server setting is the way, and the stack sets it explicitly.
 */
const STALE_UPLOAD_EXPIRY = "24h";

export interface InClusterStoreSpec {
  readonly namespace: string;
  /** Pinned by digest. */
  readonly image: string;
  readonly storageSize: string;
}

/**
 * The in-cluster MinIO as plain objects (what the policies check and the stack deploys): a
 * single-replica Deployment on a ReadWriteOnce volume, restricted Pod Security, limits, a read-only
 * root filesystem (MinIO writes only /data and its certs dir, moved to an emptyDir), its Service,
 * and a NetworkPolicy that admits S3 traffic on its port and lets it send nothing but DNS.
 */
export function inClusterStoreObjects(spec: InClusterStoreSpec): KubernetesObject[] {
  const labels = standardLabels(IN_CLUSTER_STORE_NAME, "iso-object-store");
  const metadata = { name: IN_CLUSTER_STORE_NAME, namespace: spec.namespace, labels };
  const selector = { "app.kubernetes.io/name": IN_CLUSTER_STORE_NAME };
  return [
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata,
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: spec.storageSize } } },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        replicas: 1,
        // One writer on a ReadWriteOnce volume: replace, never surge.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "object-store",
                image: spec.image,
                args: ["server", "/data", "--certs-dir", "/tmp/certs"],
                ports: [{ name: "s3", containerPort: IN_CLUSTER_STORE_PORT }],
                env: [{ name: "MINIO_API_STALE_UPLOADS_EXPIRY", value: STALE_UPLOAD_EXPIRY }],
                envFrom: [{ secretRef: { name: IN_CLUSTER_STORE_ROOT_SECRET } }],
                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1000m", memory: "1Gi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  seccompProfile: { type: "RuntimeDefault" },
                },
                readinessProbe: { httpGet: { path: "/minio/health/ready", port: IN_CLUSTER_STORE_PORT } },
                livenessProbe: { httpGet: { path: "/minio/health/live", port: IN_CLUSTER_STORE_PORT } },
                volumeMounts: [
                  { name: "data", mountPath: "/data" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "data", persistentVolumeClaim: { claimName: IN_CLUSTER_STORE_NAME } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: { selector, ports: [{ name: "s3", port: IN_CLUSTER_STORE_PORT, targetPort: IN_CLUSTER_STORE_PORT }] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata,
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        // Presigned downloads come through the ingress from anywhere; the license service and the publisher reach the same port.
        ingress: [{ ports: [{ protocol: "TCP", port: IN_CLUSTER_STORE_PORT }] }],
        egress: [{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
      },
    },
  ];
}

/**
 * The license service's NetworkPolicy (its construct renders none; the stack runs it beside other
 * parties' services): requests on its port; out only to DNS, its database and the object store.
 */
export function licenseServiceNetworkPolicy(options: {
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
  readonly port: number;
  readonly databasePort: number;
  readonly objectStorePort: number;
}): KubernetesObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "alga-license", namespace: options.namespace, labels: standardLabels("alga-license", "license-service") },
    spec: {
      podSelector: { matchLabels: options.podLabels },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ ports: [{ protocol: "TCP", port: options.port }] }],
      egress: [
        { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
        { ports: [{ protocol: "TCP", port: options.databasePort }] },
        { ports: [{ protocol: "TCP", port: options.objectStorePort }] },
      ],
    },
  };
}
