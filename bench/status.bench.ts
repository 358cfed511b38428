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
import { FIXTURE_NOW, IMAGES, event, podOf, workload } from "../test/services/status/cluster-fixture.js";
import { fixtureScenarios } from "../test/services/status/fixture-scenarios.js";
import { median, printTimings, timeFunction, type Timing } from "./timings.js";

/**
 * A snapshot of about `target` objects: the appliance in the Postgres subPath failure, plus
 * many other workloads (deployment, pod, three events each), every tenth one failing to pull.
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
