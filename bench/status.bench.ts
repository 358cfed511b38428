import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { classifySnapshot } from "../src/services/status/classify.js";
import type { ClusterSnapshot, KubeObject } from "../src/services/status/cluster-snapshot.js";
import { createStatusServer } from "../src/services/status/http-server.js";
import { FailureRateLimiter } from "../src/services/status/rate-limit.js";
import { StatusPoller } from "../src/services/status/status-poller.js";
import { TokenFile } from "../src/services/status/token-auth.js";
import { FIXTURE_NOW, IMAGES, event, podOf, serviceFor, workload } from "../test/services/status/cluster-fixture.js";
import { fixtureScenarios } from "../test/services/status/fixture-scenarios.js";
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { startFakeKubeApi, writeKubeconfig } from "../test/services/status/fake-kube-api.js";
import { median, printTimings, timeFunction, type Timing } from "./timings.js";

/**
 * A snapshot of about `target` objects: the appliance in the Postgres subPath failure, plus
 * many other workloads (deployment, pod, Service, EndpointSlice, three events each), every tenth
 * one failing to pull.
 */
export function generatedSnapshot(target: number): ClusterSnapshot {
  const items: KubeObject[] = (fixtureScenarios()["postgres-subpath"]!.items as unknown as KubeObject[]).slice();
  for (let i = 0; items.length < target; i++) {
    const namespace = `tenant-${i % 40}`;
    const broken = i % 10 === 0;
    const objects = workload(`app-${i}`, namespace, `app-${i}`, {
      image: IMAGES.workflowWorker,
      readyReplicas: broken ? 0 : 1,
      ...(broken ? { pod: { ready: false, waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } } : {}),
    });
    const pod = podOf(objects);
    const ref = { kind: "Pod", namespace, name: pod.metadata.name };
    items.push(...(objects as unknown as KubeObject[]));
    // Each workload's Service and the EndpointSlice the controller keeps for it (login readiness reads slices).
    items.push(...(serviceFor(objects, { name: "http", port: 8080 }) as unknown as KubeObject[]));
    items.push(event(ref, "Normal", "Scheduled", `Successfully assigned ${namespace}/${ref.name}`, 30) as unknown as KubeObject);
    items.push(event(ref, "Normal", "Pulling", `Pulling image "${IMAGES.workflowWorker}"`, 29) as unknown as KubeObject);
    items.push(
      (broken
        ? event(ref, "Warning", "Failed", `Failed to pull image "${IMAGES.workflowWorker}": rpc error: code = NotFound desc = ${IMAGES.workflowWorker}: not found`, 28)
        : event(ref, "Normal", "Pulled", `Successfully pulled image "${IMAGES.workflowWorker}" in 3.2s`, 28)) as unknown as KubeObject,
    );
  }
  return { items: items.slice(0, target) };
}

/**
 * A 30,000-object cluster as the API server lists it: the appliance with a bootstrap Job that
 * failed 400 times and 3,000 events about its pods (in scope, capped in the status), and other
 * tenants' workloads and events filling the rest (out of scope, dropped as they are read).
 */
export function scaleCluster(target: number): KubeObject[] {
  const items = generatedSnapshot(target - 3_400).items.slice();
  const [job, pod] = fixtureScenarios()["postgres-subpath"]!.items.filter((o) => o.metadata.name.startsWith("alga-core-sebastian-bootstrap-r1")) as unknown as KubeObject[];
  for (let i = 0; i < 400; i++) items.push({ ...pod!, metadata: { ...pod!.metadata, name: `${job!.metadata.name}-${i.toString(36).padStart(5, "0")}` } });
  const db = { kind: "Pod", namespace: "msp", name: "db-0" };
  for (let i = 0; i < 3_000; i++) items.push(event(db, "Warning", "Failed", `Error: failed to create subPath directory for volumeMount "db-data" of container "postgres" (${i})`, i % 600, 1 + (i % 50)) as unknown as KubeObject);
  return items;
}

/**
 * Scale (issue 14 point 10): live mode in its own process against the fake API server holding a
 * 30,000-object cluster, refreshing back to back while this process requests /api/status:
 * peak RSS, event-loop delay p99 and request latency while refreshing, and the status's size.
 */
export async function benchStatusScale(): Promise<void> {
  const target = Number(process.env["BENCH_STATUS_OBJECTS"] ?? 30_000);
  const items = scaleCluster(target);
  const api = await startFakeKubeApi(items as unknown as { kind: string }[]);
  const dir = mkdtempSync(join(tmpdir(), "ark-bench-status-scale-"));
  const token = "bench-token-0123456789abcdef";
  writeFileSync(join(dir, "token"), token);
  const tsx = pathToFileURL(join(import.meta.dirname, "..", "node_modules", "tsx", "dist", "loader.mjs")).href;
  const child = spawn(process.execPath, [...(process.env["BENCH_STATUS_NODE_OPTIONS"] ?? "").split(" ").filter(Boolean), "--import", tsx, join(import.meta.dirname, "status-scale-child.ts"), writeKubeconfig(api.url, api.caPem), join(dir, "token"), "5"], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    const lines: string[] = [];
    let buffered = "";
    let wake: (() => void) | undefined;
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
        lines.push(buffered.slice(0, i));
        buffered = buffered.slice(i + 1);
      }
      wake?.();
    });
    const nextLine = async () => {
      while (lines.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return JSON.parse(lines.shift()!) as Record<string, any>;
    };
    const { url } = await nextLine();
    const latencies: number[] = [];
    let bytes = 0;
    let done = false;
    const requester = (async () => {
      while (!done) {
        const t = performance.now();
        const response = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${token}` } });
        bytes = (await response.arrayBuffer()).byteLength;
        latencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    child.stdin.write("go\n");
    const result = await nextLine();
    done = true;
    await requester;
    child.stdin.end("stop\n");
    latencies.sort((a, b) => a - b);
    const kinds = (kind: string) => items.filter((i) => i.kind === kind).length;
    console.log(`\nStatus service at scale (${items.length} objects listed by a fake API server, pages of 500, among them ${kinds("Pod")} pods, ${kinds("Event")} events, ${kinds("Service")} Services and ${kinds("EndpointSlice")} EndpointSlices; live mode in its own process under tsx; 5 refreshes back to back)`);
    console.log(`  peak RSS ${result["peakRssMb"].toFixed(0)} MB (limit 200)   event-loop delay while refreshing p99 ${result["p99Ms"].toFixed(1)} ms, max ${result["maxMs"].toFixed(1)} ms (limit p99 100)`);
    console.log(`  refresh ${result["refreshSeconds"].toFixed(2)} s each   /api/status ${(bytes / 1024).toFixed(1)} KiB (limit 1024)   GET latency while refreshing p50 ${median(latencies).toFixed(1)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)} ms (${latencies.length} GETs)${result["error"] ? `   refresh error: ${result["error"]}` : ""}`);
  } finally {
    child.kill();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bounded loopback load: a fixed number of GETs, a fixed number in flight. */
async function load(url: string, token: string, requests: number, concurrency: number): Promise<{ seconds: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const start = performance.now();
  const worker = async () => {
    while (next < requests) {
      next++;
      const t = performance.now();
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: (performance.now() - start) / 1000, latencies };
}

/** Classifier time on a 5,000-object snapshot, and /api/status throughput on 127.0.0.1. */
export async function benchStatus(runs: number): Promise<Timing[]> {
  const now = Date.parse(FIXTURE_NOW);
  const big = generatedSnapshot(5000);
  const classify = await timeFunction(`classify a ${big.items.length}-object snapshot`, () => classifySnapshot(big, { now }), runs);
  const appliance = { items: fixtureScenarios()["postgres-subpath"]!.items as unknown as KubeObject[] };
  const small = await timeFunction(`classify the appliance snapshot (${appliance.items.length} objects)`, () => classifySnapshot(appliance, { now }), runs);
  printTimings("Status classifier (in process)", [classify, small]);

  const dir = mkdtempSync(join(tmpdir(), "ark-bench-status-"));
  const token = "bench-token-0123456789abcdef";
  writeFileSync(join(dir, "token"), token);
  const requests = Number(process.env["BENCH_STATUS_REQUESTS"] ?? 2000);
  const concurrency = 8;
  const lines: string[] = [];
  for (const [label, snapshot] of [
    ["appliance snapshot", appliance],
    ["5,000-object snapshot", big],
  ] as const) {
    const poller = new StatusPoller({ description: label, collect: async () => ({ snapshot, accessErrors: [] }) }, {}, 3_600_000, () => now);
    await poller.refresh();
    const server = createStatusServer({ poller, token: new TokenFile(join(dir, "token")), rateLimiter: new FailureRateLimiter(), clock: () => now });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/status`;
    try {
      await load(url, token, 100, concurrency); // warm-up
      const samples: { rps: number; p50: number; p99: number }[] = [];
      for (let i = 0; i < Math.max(3, Math.min(runs, 5)); i++) {
        const { seconds, latencies } = await load(url, token, requests, concurrency);
        latencies.sort((a, b) => a - b);
        samples.push({ rps: requests / seconds, p50: median(latencies), p99: latencies[Math.floor(latencies.length * 0.99)]! });
      }
      const bytes = Buffer.byteLength(`${JSON.stringify(poller.latest()!.status, null, 2)}\n`);
      lines.push(
        `  ${label.padEnd(22)} median ${median(samples.map((s) => s.rps)).toFixed(0).padStart(6)} req/s   p50 ${median(samples.map((s) => s.p50)).toFixed(2)} ms   p99 ${median(samples.map((s) => s.p99)).toFixed(2)} ms   (${samples.length} runs of ${requests} GETs, ${concurrency} in flight, ${(bytes / 1024).toFixed(1)} KiB each)`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log("\nStatus service /api/status throughput (loopback, bearer token, served from the last collection)");
  for (const line of lines) console.log(line);
  return [classify, small];
}
