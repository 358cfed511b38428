import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApplianceStatus } from "../../../schemas/status.js";
import { classifySnapshot } from "../../../src/services/status/classify.js";
import { LISTED_KINDS, createLiveCollector } from "../../../src/services/status/live-cluster.js";
import { execFile } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { startLocalServer, type LocalServer } from "../../support/local-server.js";
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../../support/run-cli.js";
import { NOW, fixturePath, statusSchemaValidator } from "./status-fixtures.js";

/** Cluster-wide list paths the client calls, by kind. */
const LIST_PATHS: Record<string, string> = {
  Node: "/api/v1/nodes",
  Pod: "/api/v1/pods",
  Event: "/api/v1/events",
  PersistentVolumeClaim: "/api/v1/persistentvolumeclaims",
  Job: "/apis/batch/v1/jobs",
  Deployment: "/apis/apps/v1/deployments",
  StatefulSet: "/apis/apps/v1/statefulsets",
  OCIRepository: "/apis/source.toolkit.fluxcd.io/v1/ocirepositories",
  Kustomization: "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations",
  HelmRelease: "/apis/helm.toolkit.fluxcd.io/v2/helmreleases",
};

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
}

/**
 * A stand-in for the Kubernetes API server (which cannot run here): answers the list endpoints
 * from a fixture the way the API server does (List of kind XList, items without kind), and 403s
 * one resource as RBAC would.
 */
async function startFakeApiServer(fixture: string, forbidden: string): Promise<{ server: LocalServer; requests: Recorded[]; caPem: string }> {
  const items = (JSON.parse(readFileSync(fixturePath(fixture), "utf8")) as { items: { kind: string; apiVersion: string }[] }).items;
  const requests: Recorded[] = [];
  // TLS like a real API server (the client refuses plain HTTP unless verification is off).
  const dir = mkdtempSync(join(tmpdir(), "fake-apiserver-"));
  await promisify(execFile)("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2",
    "-subj", "/CN=kube-apiserver", "-addext", "subjectAltName=IP:127.0.0.1",
  ]);
  const caPem = readFileSync(join(dir, "cert.pem"), "utf8");
  const server = await startTlsServer({ key: readFileSync(join(dir, "key.pem")), cert: caPem }, (request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    requests.push({ method: request.method ?? "", path, authorization: request.headers.authorization });
    const kind = Object.entries(LIST_PATHS).find(([, p]) => p === path)?.[0];
    response.setHeader("content-type", "application/json");
    if (!kind || request.method !== "GET") {
      response.statusCode = 404;
      response.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }));
      return;
    }
    const resource = LISTED_KINDS.find((k) => k.kind === kind)!;
    if (resource.resource === forbidden) {
      response.statusCode = 403;
      response.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `${forbidden} is forbidden: User "system:serviceaccount:alga-system:appliance-status" cannot list resource "${forbidden}" in API group "" at the cluster scope`,
          reason: "Forbidden",
          details: { kind: forbidden },
          code: 403,
        }),
      );
      return;
    }
    const listed = items.filter((item) => item.kind === kind).map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
    response.end(JSON.stringify({ kind: `${kind}List`, apiVersion: resource.apiVersion, metadata: { resourceVersion: "12345" }, items: listed }));
  });
  return { server, requests, caPem };
}

async function startTlsServer(tls: { key: Buffer; cert: string }, handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<LocalServer> {
  const server = createHttpsServer(tls, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function writeKubeconfig(server: string, caPem: string): string {
  const dir = mkdtempSync(join(tmpdir(), "status-kubeconfig-"));
  const file = join(dir, "kubeconfig");
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
    token: test-service-account-token
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

describe("live mode against a local stand-in for the Kubernetes API", () => {
  let api: Awaited<ReturnType<typeof startFakeApiServer>>;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await startFakeApiServer("postgres-subpath", "events");
    kubeconfig = writeKubeconfig(api.server.url, api.caPem);
  });
  afterAll(() => api.server.close());

  it("lists each kind once, read-only, with the credentials of the kubeconfig; a 403 becomes a blocker", async () => {
    api.requests.length = 0;
    const collector = await createLiveCollector({ kubeconfig });
    const { snapshot, accessErrors } = await collector.collect();
    expect(api.requests.map((r) => r.path).sort()).toEqual(Object.values(LIST_PATHS).sort());
    expect(new Set(api.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
    expect(api.requests.every((r) => r.authorization === "Bearer test-service-account-token")).toBe(true);
    expect(accessErrors).toEqual([{ kind: "events", code: 403, message: expect.any(String) }]);
    expect(snapshot.items.some((i) => i.kind === "Event")).toBe(false);
    expect(snapshot.items.find((i) => i.kind === "Pod" && i.metadata.name === "db-0")?.metadata.creationTimestamp).toMatch(/^2026-04-30T/);

    const status = classifySnapshot(snapshot, { now: NOW, accessErrors });
    expect(() => ApplianceStatus.parse(status)).not.toThrow();
    // Without events the subPath error is still read from the container's waiting message.
    expect(status.topBlockers[0]).toMatchObject({ layer: "Core Postgres storage initialization", component: "db" });
    expect(status.topBlockers.find((b) => b.layer === "Status service access")).toMatchObject({ reason: expect.stringContaining("403"), loginBlocking: false });
    expect(status.rollup.state).toBe("failed_action_required");
  });

  it("an unreachable API server is an error the poller turns into a blocker, not a crash", async () => {
    const closed = await startLocalServer(() => undefined);
    const url = closed.url.replace("http:", "https:");
    await closed.close();
    const collector = await createLiveCollector({ kubeconfig: writeKubeconfig(url, api.caPem) });
    await expect(collector.collect()).rejects.toThrow(/cannot reach the Kubernetes API/);
  });

  it("the status-service command serves the live status, reading the cluster per interval, not per request", async () => {
    const dir = mkdtempSync(join(tmpdir(), "status-service-"));
    writeFileSync(join(dir, "token"), "live-mode-token-0123456789\n");
    api.requests.length = 0;
    const tsx = pathToFileURL(join(PROJECT_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const args = ["--port", "0", "--host", "127.0.0.1", "--token-file", join(dir, "token"), "--kubeconfig", kubeconfig, "--interval", "3600", "--json"];
    const child = spawn(process.execPath, ["--import", tsx, join(PROJECT_ROOT, "src", "cli", "status-service.ts"), ...args], { cwd: PROJECT_ROOT });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk) => {
          out += chunk;
          const line = out.split("\n")[0];
          if (out.includes("\n")) resolve((JSON.parse(line!) as { url: string }).url);
        });
        child.on("exit", (code) => reject(new Error(`status-service exited with ${code}`)));
      });
      let status: { rollup: { state: string }; topBlockers: { layer: string }[] } | undefined;
      for (let attempt = 0; attempt < 300; attempt++) {
        const response = await fetch(`${url}/api/status`, { headers: { authorization: "Bearer live-mode-token-0123456789" } });
        if (response.status === 200) {
          status = (await response.json()) as typeof status;
          break;
        }
        expect(response.status).toBe(503); // still collecting the first status
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(statusSchemaValidator()(status)).toBe(true);
      expect(status!.rollup.state).toBe("failed_action_required");
      expect(status!.topBlockers.map((b) => b.layer)).toContain("Status service access");
      for (let i = 0; i < 5; i++) expect((await fetch(`${url}/api/status`, { headers: { authorization: "Bearer live-mode-token-0123456789" } })).status).toBe(200);
      expect(api.requests).toHaveLength(LISTED_KINDS.length);
      expect((await fetch(`${url}/api/status`)).status).toBe(401);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
