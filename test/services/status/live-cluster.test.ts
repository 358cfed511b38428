import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApplianceStatus } from "../../../schemas/status.js";
import { classifySnapshot } from "../../../src/services/status/classify.js";
import { LISTED_KINDS, createLiveCollector, listPath } from "../../../src/services/status/live-cluster.js";
import { StatusPoller } from "../../../src/services/status/status-poller.js";
import { startLocalServer } from "../../support/local-server.js";
import { PROJECT_ROOT } from "../../support/run-cli.js";
import { startFakeKubeApi, writeKubeconfig, type FakeKubeApi } from "./fake-kube-api.js";
import { NOW, fixturePath, statusSchemaValidator } from "./status-fixtures.js";

const fixtureItems = (name: string) => (JSON.parse(readFileSync(fixturePath(name), "utf8")) as { items: { kind: string }[] }).items;

describe("live mode against a local stand-in for the Kubernetes API (point 9)", () => {
  let api: FakeKubeApi;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await startFakeKubeApi(fixtureItems("postgres-subpath"));
    kubeconfig = writeKubeconfig(api.url, api.caPem);
  });
  afterAll(() => api.close());
  const reset = (items = fixtureItems("postgres-subpath")) => {
    api.requests.length = 0;
    api.items = items;
    api.forbidden.clear();
    api.hanging.clear();
    api.down = false;
    for (const held of api.held) held.destroy();
    api.held.clear();
  };

  it("lists each kind read-only in pages (limit/continue) with the kubeconfig's credentials; a 403 kind becomes a permissions blocker", async () => {
    reset();
    api.forbidden.add("events");
    const collector = await createLiveCollector({ kubeconfig, pageSize: 2 });
    const { snapshot, accessErrors } = await collector.collect();
    expect(new Set(api.requests.map((r) => r.path))).toEqual(new Set(LISTED_KINDS.map(listPath)));
    expect(new Set(api.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
    expect(api.requests.every((r) => r.authorization === "Bearer test-service-account-token" && r.query.get("limit") === "2")).toBe(true);
    // Pods come in pages: every pod of the fixture arrives, through continue tokens.
    const podPages = api.requests.filter((r) => r.path === "/api/v1/pods");
    const pods = fixtureItems("postgres-subpath").filter((i) => i.kind === "Pod").length;
    expect(podPages).toHaveLength(Math.ceil(pods / 2));
    expect(podPages.slice(1).every((r) => r.query.get("continue"))).toBe(true);
    expect(snapshot.items.filter((i) => i.kind === "Pod")).toHaveLength(pods);
    expect(accessErrors).toEqual([{ kind: "events", code: 403, message: expect.stringContaining("cannot list resource \"events\"") }]);
    expect(snapshot.items.some((i) => i.kind === "Event")).toBe(false);

    const status = classifySnapshot(snapshot, { now: NOW, accessErrors });
    expect(() => ApplianceStatus.parse(status)).not.toThrow();
    // Without events the subPath error is still read from the container's waiting message.
    expect(status.topBlockers[0]).toMatchObject({ layer: "Core Postgres storage initialization", component: "db" });
    expect(status.topBlockers.find((b) => b.layer === "Status service access")).toMatchObject({ reason: expect.stringContaining("403"), loginBlocking: false, severity: "failure" });
    expect(status.rollup.state).toBe("failed_action_required");
  });

  it("lists EndpointSlices in pages too; alga-core's ready endpoint makes login ready, and a cluster without one is not", async () => {
    reset(fixtureItems("healthy"));
    const collector = await createLiveCollector({ kubeconfig, pageSize: 2 });
    const { snapshot, accessErrors } = await collector.collect();
    expect(accessErrors).toEqual([]);
    expect(snapshot.listedKinds).toContain("EndpointSlice");
    const slicePages = api.requests.filter((r) => r.path === "/apis/discovery.k8s.io/v1/endpointslices");
    const slices = fixtureItems("healthy").filter((i) => i.kind === "EndpointSlice") as unknown as { metadata: { namespace: string; name: string } }[];
    expect(slicePages).toHaveLength(Math.ceil(slices.length / 2));
    expect(slicePages[0]!.query.get("continue")).toBeNull();
    expect(slicePages.slice(1).every((r) => r.query.get("continue") && r.query.get("limit") === "2")).toBe(true);
    // Every slice of the appliance's namespaces arrives, typed; the cluster's own (default, kube-system) are dropped as read.
    const read = snapshot.items.filter((i) => i.kind === "EndpointSlice");
    expect(read.map((i) => `${i.metadata.namespace}/${i.metadata.name}`).sort()).toEqual(slices.filter((s) => s.metadata.namespace === "msp" || s.metadata.namespace === "alga-system").map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort());
    expect(read.every((i) => i.apiVersion === "discovery.k8s.io/v1")).toBe(true);
    const status = classifySnapshot(snapshot, { now: NOW, accessErrors });
    expect(status.tiers.login).toMatchObject({ ready: true, reason: expect.stringContaining("1 ready endpoint behind Service msp/alga-core-sebastian") });

    // Listed in full and none for alga-core: no endpoint (the controller has not published its ready pod), not "not read".
    reset(fixtureItems("healthy").filter((i) => !(i.kind === "EndpointSlice" && (i as unknown as { metadata: { labels: Record<string, string> } }).metadata.labels["kubernetes.io/service-name"] === "alga-core-sebastian")));
    const empty = await (await createLiveCollector({ kubeconfig, pageSize: 2 })).collect();
    const blocked = classifySnapshot(empty.snapshot, { now: NOW, accessErrors: empty.accessErrors });
    expect(blocked.tiers.login.ready).toBe(false);
    expect(blocked.topBlockers[0]).toMatchObject({ layer: "Service endpoints", severity: "warning", retryable: true, evidence: { object: { kind: "Service", namespace: "msp", name: "alga-core-sebastian" } } });
    expect(blocked.topBlockers[0]!.reason).toBe("Service msp/alga-core-sebastian has no ready endpoint yet: 1 ready pod matches its selector, but no EndpointSlice lists it");
  });

  it("a 403 on endpointslices: a permissions blocker, login neither ready nor installing", async () => {
    reset(fixtureItems("healthy"));
    api.forbidden.add("endpointslices");
    const { snapshot, accessErrors } = await (await createLiveCollector({ kubeconfig, pageSize: 2 })).collect();
    expect(accessErrors).toEqual([{ kind: "endpointslices", code: 403, message: expect.stringContaining('cannot list resource "endpointslices" in API group "discovery.k8s.io"') }]);
    expect(snapshot.listedKinds).not.toContain("EndpointSlice");
    const status = classifySnapshot(snapshot, { now: NOW, accessErrors });
    expect(status.tiers.login).toMatchObject({ ready: false, state: "waiting" });
    expect(status.rollup.state).toBe("failed_action_required");
    expect(status.rollup.message).toMatch(/cannot tell whether login works: The status service may not list endpointslices \(403 Forbidden\)/);
    expect(status.topBlockers.find((b) => b.layer === "Status service access")!.commands[0]).toBe("kubectl auth can-i list endpointslices --all-namespaces --as=system:serviceaccount:alga-system:appliance-status");
  });

  it("every request has a timeout: a hanging endpoint costs that kind, not the refresh", async () => {
    reset();
    api.hanging.add("statefulsets");
    const collector = await createLiveCollector({ kubeconfig, requestTimeoutMs: 1_500 });
    const { snapshot, accessErrors } = await collector.collect();
    expect(accessErrors).toContainEqual({ kind: "statefulsets", code: null, message: expect.stringMatching(/no answer from 127\.0\.0\.1:\d+ within 1\.5 s/) });
    expect(snapshot.items.some((i) => i.kind === "Pod")).toBe(true);
  });

  it("at most one refresh in flight: refreshes while one hangs share it; stop() abandons it at once", async () => {
    reset();
    api.hanging.add("pods");
    const poller = new StatusPoller(await createLiveCollector({ kubeconfig, requestTimeoutMs: 60_000 }), {}, 60_000, () => NOW, 60_000);
    const first = poller.refresh();
    const second = poller.refresh();
    expect(second).toBe(first);
    await waitFor(() => api.held.size === 1);
    expect(poller.busy).toBe(true);
    expect(api.requests.filter((r) => r.path === "/api/v1/pods")).toHaveLength(1);
    await poller.stop();
    await first;
    expect(poller.busy).toBe(false);
    // The abandoned request's connection was closed by the client.
    await waitFor(() => [...api.held].every((r) => r.destroyed || r.socket === null || r.socket.destroyed));
  });

  it("an API that goes down: the last good state stays, with a staleness blocker after two intervals", async () => {
    reset(fixtureItems("healthy"));
    let now = NOW;
    const poller = new StatusPoller(await createLiveCollector({ kubeconfig, requestTimeoutMs: 8_000 }), {}, 15_000, () => now, 10_000);
    await poller.refresh();
    expect(poller.latest()!.status.rollup.state).toBe("fully_healthy");
    api.down = true;
    now += 15_000;
    await poller.refresh();
    // One interval: not stale yet, the state is the last good one.
    expect(poller.latest()!.status.freshness).toMatchObject({ stale: false, lastSuccessfulRead: new Date(NOW).toISOString() });
    expect(poller.lastError).toMatch(/cannot reach the Kubernetes API/);
    now += 20_000;
    await poller.refresh();
    const stale = poller.latest()!.status;
    expect(stale.freshness).toMatchObject({ stale: true, lastSuccessfulRead: new Date(NOW).toISOString(), error: expect.stringMatching(/cannot reach the Kubernetes API/) });
    expect(stale.topBlockers[0]).toMatchObject({ layer: "Status freshness", loginBlocking: false, reason: expect.stringContaining("last read 35 s ago") });
    expect(stale.tiers.login.ready).toBe(true);
    expect(stale.components.find((c) => c.name === "alga-core")!.status).toBe("Current");
    expect(statusSchemaValidator()(stale)).toBe(true);
    api.down = false;
    now += 15_000;
    await poller.refresh();
    expect(poller.latest()!.status.freshness).toMatchObject({ stale: false, error: null });
    expect(poller.latest()!.status.rollup.state).toBe("fully_healthy");
  });

  it("an unreadable service-account token fails the refresh with why, like an API that is down", async () => {
    reset();
    const collector = await createLiveCollector({ kubeconfig: writeKubeconfig(api.url, api.caPem, { tokenFile: join(mkdtempSync(join(tmpdir(), "sa-")), "token") }) });
    await expect(collector.collect()).rejects.toThrow(/cannot read the cluster credentials: .*ENOENT/);
    const poller = new StatusPoller(collector, {}, 15_000, () => NOW);
    await poller.refresh();
    expect(poller.latest()!.status.freshness).toMatchObject({ stale: true, lastSuccessfulRead: null });
    expect(poller.latest()!.status.rollup.state).toBe("failed_action_required");
  });

  it("an unreachable API server is an error the poller turns into a blocker, not a crash", async () => {
    const closed = await startLocalServer(() => undefined);
    const url = closed.url.replace("http:", "https:");
    await closed.close();
    const collector = await createLiveCollector({ kubeconfig: writeKubeconfig(url, api.caPem) });
    await expect(collector.collect()).rejects.toThrow(/cannot reach the Kubernetes API/);
  });

  it("the status-service command reads the cluster per interval, not per request, and stops on SIGTERM and SIGINT while a list hangs, before that list's timeout", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      reset();
      api.forbidden.add("events");
      const child = startService(kubeconfig);
      let held: number | undefined;
      try {
        const url = await listening(child);
        const status = await firstStatus(url);
        expect(statusSchemaValidator()(status)).toBe(true);
        expect(status.rollup.state).toBe("failed_action_required");
        expect(status.topBlockers.map((b: { layer: string }) => b.layer)).toContain("Status service access");
        // Twenty page loads cost at most the refreshes the interval (1 s) allows, not twenty reads.
        const rounds = () => api.requests.filter((r) => r.path === "/api/v1/nodes").length;
        const before = rounds();
        const started = performance.now();
        for (let i = 0; i < 20; i++) expect((await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } })).status).toBe(200);
        expect(rounds() - before).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 1000) + 1);
        expect((await fetch(`${url}/api/status`)).status).toBe(401);
        // The next refresh hangs on a list; the signal must still end the process promptly.
        api.hanging.add("pods");
        await waitFor(() => api.held.size > 0, 15_000);
        held = performance.now();
      } finally {
        const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
        child.kill(signal);
        expect(await exited).toBe(0);
      }
      // Abandoned, not waited out: the process ended well before the list's own timeout (5 s after
      // it was sent at --interval 1) would have ended it. ~0.1 s on an idle machine; the margin
      // below 5 s is for a loaded one.
      expect(performance.now() - held!, signal).toBeLessThan(4_000);
    }
  });
});

const SERVICE_TOKEN = "live-mode-token-0123456789";

function startService(kubeconfig: string): ChildProcess & { stdout: NodeJS.ReadableStream } {
  const dir = mkdtempSync(join(tmpdir(), "status-service-"));
  writeFileSync(join(dir, "token"), `${SERVICE_TOKEN}\n`);
  const tsx = pathToFileURL(join(PROJECT_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  // The shortest interval, so the test sees a second refresh start (and hang) soon.
  const args = ["--port", "0", "--host", "127.0.0.1", "--token-file", join(dir, "token"), "--kubeconfig", kubeconfig, "--interval", "1", "--json"];
  return spawn(process.execPath, ["--import", tsx, join(PROJECT_ROOT, "src", "cli", "status-service.ts"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] }) as ChildProcess & { stdout: NodeJS.ReadableStream };
}

function listening(child: ChildProcess & { stdout: NodeJS.ReadableStream }): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve((JSON.parse(out.split("\n")[0]!) as { url: string }).url);
    });
    child.on("exit", (code) => reject(new Error(`status-service exited with ${code}`)));
  });
}

async function firstStatus(url: string): Promise<any> {
  for (;;) {
    const response = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } });
    if (response.status === 200) return response.json();
    expect(response.status).toBe(503); // still collecting the first status
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls a condition the other side makes true (no fixed sleep decides the outcome). */
async function waitFor(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}
