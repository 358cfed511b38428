import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { loadKubeAccess } from "./kube-config.js";
import { inApplianceScope } from "./appliance-components.js";
import type { AccessError } from "./classify.js";
import type { KubeObject } from "./cluster-snapshot.js";
import type { SnapshotCollector } from "./status-poller.js";

/** One kind the status reads: one paginated list per refresh, cluster-wide. */
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
  { kind: "Service", apiVersion: "v1", resource: "services", group: "" },
  { kind: "EndpointSlice", apiVersion: "discovery.k8s.io/v1", resource: "endpointslices", group: "discovery.k8s.io" },
  { kind: "OCIRepository", apiVersion: "source.toolkit.fluxcd.io/v1", resource: "ocirepositories", group: "source.toolkit.fluxcd.io" },
  { kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", resource: "kustomizations", group: "kustomize.toolkit.fluxcd.io" },
  { kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", resource: "helmreleases", group: "helm.toolkit.fluxcd.io" },
];

/** The cluster-wide list path of a kind: /api/v1/pods, /apis/apps/v1/deployments. */
export function listPath(kind: ListedKind): string {
  return kind.group === "" ? `/api/${kind.apiVersion}/${kind.resource}` : `/apis/${kind.apiVersion}/${kind.resource}`;
}

export interface LiveClusterOptions {
  /**
   * A kubeconfig file.
   * @default - the in-cluster service account when KUBERNETES_SERVICE_HOST is set, else $KUBECONFIG or ~/.kube/config
   */
  readonly kubeconfig?: string;
  /** Every API request is abandoned after this long. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Items per list page (`limit`); the rest follows with `continue`. @default 500 */
  readonly pageSize?: number;
  /** A list answer larger than this is refused, so a hostile or broken API server cannot exhaust memory. @default 64 MiB */
  readonly maxPageBytes?: number;
}

/** An API answer that was not a list: its HTTP status (null when there was no answer) and why. */
class ListError extends Error {
  constructor(
    readonly code: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** Fields the classifier never reads and that dominate an object's size (managedFields alone is often half). */
function slim(item: KubeObject, kind: ListedKind): KubeObject {
  const { managedFields: _managed, annotations: _annotations, ...metadata } = item.metadata as KubeObject["metadata"] & { managedFields?: unknown; annotations?: unknown };
  return { ...item, kind: kind.kind, apiVersion: kind.apiVersion, metadata };
}

/**
 * Reads the live cluster read-only: each kind as a paginated list (`limit`/`continue`), every
 * request with its own timeout, all of them abandoned when the refresh is aborted (the service is
 * stopping). A kind that cannot be listed (403 from RBAC, an API error) is reported as an access
 * error for the classifier to turn into a blocker; the other kinds are still used. The token is
 * read on every refresh, so a rotated service-account token is picked up and an unreadable one
 * fails the refresh (the status then goes stale, with why).
 */
export async function createLiveCollector(options: LiveClusterOptions = {}): Promise<SnapshotCollector> {
  const access = loadKubeAccess(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {});
  const server = access.server.href.replace(/\/$/, "");
  const base = access.server;
  const transport = base.protocol === "http:" ? await import("node:http") : await import("node:https");
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const pageSize = options.pageSize ?? 500;
  const maxBytes = options.maxPageBytes ?? 64 * 1024 * 1024;

  const get = (path: string, requestOptions: RequestOptions, signal: AbortSignal): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new ListError(null, "the refresh was stopped"));
        return;
      }
      const url = new URL(path, base);
      let request: ClientRequest | undefined;
      const fail = (error: ListError) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        request?.destroy();
        reject(error);
      };
      const onAbort = () => fail(new ListError(null, "the refresh was stopped"));
      const timer = setTimeout(() => fail(new ListError(null, `no answer from ${url.host} within ${timeoutMs / 1000} s (GET ${url.pathname})`)), timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      request = transport.request(url, { ...requestOptions, method: "GET", headers: { ...requestOptions.headers, accept: "application/json" } }, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(new ListError(response.statusCode ?? null, `the answer to GET ${url.pathname} exceeds ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        response.on("error", (error) => fail(new ListError(null, error.message)));
        response.on("end", () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const status = response.statusCode ?? 0;
          if (status !== 200) {
            const message = (body as { message?: unknown } | undefined)?.message;
            reject(new ListError(status, typeof message === "string" ? message : `HTTP ${status} from GET ${url.pathname}`));
          } else if (!body || !Array.isArray((body as { items?: unknown }).items)) reject(new ListError(status, `GET ${url.pathname} did not answer with a list`));
          else resolve(body);
        });
      });
      request.on("error", (error) => fail(new ListError(null, error.message)));
      request.end();
    });

  const listAll = async (kind: ListedKind, requestOptions: RequestOptions, signal: AbortSignal): Promise<KubeObject[]> => {
    const items: KubeObject[] = [];
    let token: string | undefined;
    // A continue token that never ends (a broken server) must not loop forever.
    for (let page = 0; page < 10_000; page++) {
      const query = new URLSearchParams({ limit: String(pageSize), ...(token ? { continue: token } : {}) });
      const body = (await get(`${listPath(kind)}?${query}`, requestOptions, signal)) as { items: KubeObject[]; metadata?: { continue?: string } };
      for (const item of body.items) {
        if (!item || typeof item !== "object" || !item.metadata) continue;
        const typed = slim(item, kind);
        if (inApplianceScope(typed)) items.push(typed);
      }
      token = body.metadata?.continue || undefined;
      if (!token) return items;
      // Let requests to the status server run between pages of a big list.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    throw new ListError(null, `GET ${listPath(kind)} kept answering with a continue token`);
  };

  return {
    description: `the live cluster (${server})`,
    async collect(signal = new AbortController().signal) {
      let token: string | undefined;
      try {
        // The service-account token file is rotated by the kubelet: read it each refresh.
        token = access.token();
      } catch (error) {
        throw new Error(`cannot read the cluster credentials: ${(error as Error).message}`);
      }
      // One connection pool per refresh, destroyed at its end (or when it is aborted).
      const agent = base.protocol === "https:" ? new HttpsAgent({ ...access.tls, keepAlive: true, maxSockets: 2 }) : undefined;
      const requestOptions: RequestOptions = { ...(agent ? { agent } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} };
      const items: KubeObject[] = [];
      const accessErrors: AccessError[] = [];
      const listedKinds: string[] = [];
      try {
        // Two kinds at a time: a refresh never holds more than a couple of big pages in memory.
        const queue = [...LISTED_KINDS];
        const worker = async () => {
          for (let kind = queue.shift(); kind; kind = queue.shift()) {
            try {
              items.push(...(await listAll(kind, requestOptions, signal)));
              listedKinds.push(kind.kind);
            } catch (error) {
              const code = error instanceof ListError ? error.code : null;
              accessErrors.push({ kind: kind.resource, code, message: firstLine((error as Error).message) });
            }
          }
        };
        await Promise.all([worker(), worker()]);
      } finally {
        agent?.destroy?.();
      }
      if (signal.aborted) throw new Error("the refresh was stopped");
      // The API server unreachable: one error, not ten.
      if (accessErrors.length === LISTED_KINDS.length && accessErrors.every((e) => e.code === null)) {
        throw new Error(`cannot reach the Kubernetes API: ${accessErrors[0]!.message}`);
      }
      accessErrors.sort((a, b) => (a.kind < b.kind ? -1 : 1));
      // Which kinds were read in full: no EndpointSlice of the app then means none exists, not "not read".
      listedKinds.sort();
      return { snapshot: { items, listedKinds }, accessErrors };
    },
  };
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
