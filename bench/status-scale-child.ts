// The status service's live mode in its own process, for the scale bench (bench/status.bench.ts):
// reads the cluster through the kubeconfig given, serves /api/status, refreshes `refreshes` times
// back to back while the parent requests the status, then prints its event-loop delay and peak RSS.
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createStatusServer } from "../src/services/status/http-server.js";
import { createLiveCollector } from "../src/services/status/live-cluster.js";
import { StatusPoller } from "../src/services/status/status-poller.js";
import { TokenFile } from "../src/services/status/token-auth.js";

const [kubeconfig, tokenFile, refreshes] = process.argv.slice(2) as [string, string, string];
const poller = new StatusPoller(await createLiveCollector({ kubeconfig }), {}, 3_600_000, Date.now, 60_000);
const server = createStatusServer({ poller, token: new TokenFile(tokenFile) });
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
await poller.refresh(); // first read before anyone measures
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
// The parent starts its requests, then says go.
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
const started = performance.now();
for (let i = 0; i < Number(refreshes); i++) await poller.refresh();
const seconds = (performance.now() - started) / 1000;
delay.disable();
process.stdout.write(
  `${JSON.stringify({ p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6, refreshSeconds: seconds / Number(refreshes), peakRssMb: process.resourceUsage().maxRSS / 1024, error: poller.lastError ?? null })}\n`,
);
// The parent stops requesting, then says stop.
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
server.closeAllConnections();
server.close();
