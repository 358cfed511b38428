import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LISTED_KINDS, listPath } from "../../../src/services/status/live-cluster.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
}

/**
 * A stand-in for the Kubernetes API server (which cannot run here), over TLS like the real one:
 * answers the cluster-wide list endpoints from a List of objects as the API server does (a
 * `<Kind>List`, items without kind/apiVersion, pages by `limit` with a `continue` token), 403s
 * the resources in `forbidden` as RBAC would, never answers the ones in `hanging`, and drops
 * every connection while `down`.
 */
export interface FakeKubeApi {
  readonly url: string;
  readonly caPem: string;
  readonly requests: RecordedRequest[];
  items: readonly { kind: string; [field: string]: unknown }[];
  readonly forbidden: Set<string>;
  readonly hanging: Set<string>;
  down: boolean;
  /** Requests being held open by `hanging`. */
  readonly held: Set<ServerResponse>;
  close(): Promise<void>;
}

let certificate: Promise<{ key: Buffer; cert: string }> | undefined;

/** One self-signed certificate for 127.0.0.1 per test process. */
function serverCertificate(): Promise<{ key: Buffer; cert: string }> {
  certificate ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-apiserver-"));
    await promisify(execFile)("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2",
      "-subj", "/CN=kube-apiserver", "-addext", "subjectAltName=IP:127.0.0.1",
    ]);
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  })();
  return certificate;
}

function status(response: ServerResponse, code: number, reason: string, message: string): void {
  response.statusCode = code;
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }));
}

export async function startFakeKubeApi(items: FakeKubeApi["items"]): Promise<FakeKubeApi> {
  const tls = await serverCertificate();
  const sockets = new Set<{ destroy(): void }>();
  const api: FakeKubeApi = {
    url: "",
    caPem: tls.cert,
    requests: [],
    items,
    forbidden: new Set(),
    hanging: new Set(),
    down: false,
    held: new Set(),
    close: async () => undefined,
  };
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    if (api.down) {
      request.socket.destroy();
      return;
    }
    const url = new URL(request.url ?? "/", "https://x");
    api.requests.push({ method: request.method ?? "", path: url.pathname, query: url.searchParams, authorization: request.headers.authorization });
    const kind = LISTED_KINDS.find((k) => listPath(k) === url.pathname);
    if (!kind || request.method !== "GET") {
      status(response, 404, "NotFound", "the server could not find the requested resource");
      return;
    }
    if (api.hanging.has(kind.resource)) {
      api.held.add(response);
      return;
    }
    if (api.forbidden.has(kind.resource)) {
      status(response, 403, "Forbidden", `${kind.resource}${kind.group ? `.${kind.group}` : ""} is forbidden: User "system:serviceaccount:alga-system:appliance-status" cannot list resource "${kind.resource}" in API group "${kind.group}" at the cluster scope`);
      return;
    }
    const all = api.items.filter((item) => item.kind === kind.kind).map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
    const limit = Number(url.searchParams.get("limit") ?? "0") || all.length;
    const start = url.searchParams.get("continue") ? Number(Buffer.from(url.searchParams.get("continue")!, "base64url").toString()) : 0;
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString("base64url") : undefined;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ kind: `${kind.kind}List`, apiVersion: kind.apiVersion, metadata: { resourceVersion: "12345", ...(next ? { continue: next, remainingItemCount: all.length - start - limit } : {}) }, items: page }));
  };
  const server = createHttpsServer(tls, handler);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(api, {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
  return api;
}

/** A kubeconfig for the fake API: its CA, and a bearer token (or a token file, as in-cluster). */
export function writeKubeconfig(server: string, caPem: string, user: { token: string } | { tokenFile: string } = { token: "test-service-account-token" }): string {
  const dir = mkdtempSync(join(tmpdir(), "status-kubeconfig-"));
  const file = join(dir, "kubeconfig");
  const credentials = "token" in user ? `    token: ${user.token}` : `    auth-provider:\n      name: tokenFile\n      config:\n        tokenFile: ${user.tokenFile}`;
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: appliance
  cluster:
    server: ${server}
    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}
users:
- name: appliance-status
  user:
${credentials}
contexts:
- name: appliance
  context:
    cluster: appliance
    user: appliance-status
current-context: appliance
`,
  );
  return file;
}
