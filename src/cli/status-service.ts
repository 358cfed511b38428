import type { AddressInfo } from "node:net";
import { UsageError, UserError } from "../errors.js";
import { createStatusServer } from "../services/status/http-server.js";
import { probeLogin } from "../services/status/login-probe.js";
import { snapshotFileCollector } from "../services/status/snapshot-file.js";
import { StatusPoller, type SnapshotCollector } from "../services/status/status-poller.js";
import { TokenFile } from "../services/status/token-auth.js";
import { runCli } from "./run.js";
import { CLASSIFY_FLAGS, CLASSIFY_HELP, classifyOptionsFrom } from "./status-options.js";

const HELP = `Usage: npm run status-service -- --port N --token-file FILE [--snapshot FILE | --kubeconfig FILE] [options]

Serves the appliance status: GET /healthz (open), and with the token GET / (the overview page),
/api/status (the canonical status JSON), /api/overview and /api/diagnostics. The token goes in
"Authorization: Bearer <token>", or once as ?token=<token>, which is exchanged for an HttpOnly
cookie. Without --snapshot it reads the live cluster (in-cluster service account, or a kubeconfig),
once per --interval, read-only, and asks --login-url whether it answers.

  --port N                 port to listen on (required; the appliance uses 8090; 0 picks a free one)
  --host ADDRESS           address to listen on (default 127.0.0.1; 0.0.0.0 in the cluster)
  --token-file FILE        file holding the token (the mounted Secret); re-read when it changes
  --snapshot FILE          serve a kubectl List JSON instead of the live cluster
  --kubeconfig FILE        kubeconfig for live mode (default: in-cluster, else $KUBECONFIG)
  --interval SECONDS       how often to read the cluster (default 15)
${CLASSIFY_HELP}
  --json                   print {"ok":true,"url":…} once listening
  --help                   show this help`;

function wholeNumber(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} "${value}" must be a whole number from ${min} to ${max}`);
  return n;
}

await runCli(
  HELP,
  {
    port: { type: "string" },
    host: { type: "string" },
    "token-file": { type: "string" },
    snapshot: { type: "string" },
    kubeconfig: { type: "string" },
    interval: { type: "string" },
    ...CLASSIFY_FLAGS,
  },
  async ({ values, output }) => {
    const port = wholeNumber(values.port, "--port", 0, 65535);
    if (port === undefined) throw new UsageError(`--port N is required\n\n${HELP}`);
    if (!values["token-file"]) throw new UsageError(`--token-file FILE is required: the status page and API are never served without a token\n\n${HELP}`);
    if (values.snapshot && values.kubeconfig) throw new UsageError("give --snapshot or --kubeconfig, not both");
    const intervalSeconds = wholeNumber(values.interval, "--interval", 1, 3600) ?? 15;
    const host = values.host ?? "127.0.0.1";
    const token = new TokenFile(values["token-file"]);
    if (!token.current()) output.progress(`warning: ${values["token-file"]} holds no token yet (at least 16 characters); guarded routes answer 503 until it does`);

    // A refresh ends before the next is due: every API request times out, the whole refresh too.
    const intervalMs = intervalSeconds * 1000;
    const collectTimeoutMs = Math.max(5_000, intervalMs - 1_000);
    const requestTimeoutMs = Math.min(10_000, collectTimeoutMs);
    const collector: SnapshotCollector = values.snapshot
      ? snapshotFileCollector(values.snapshot)
      : await (await import("../services/status/live-cluster.js")).createLiveCollector({ ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), requestTimeoutMs });
    const options = classifyOptionsFrom(values);
    // In live mode the service asks the login URL itself, each interval; a snapshot is history, so it is not probed.
    const loginUrl = options.urls?.login;
    const probe = !values.snapshot && loginUrl && !options.probes?.login ? async () => ({ login: await probeLogin(loginUrl) }) : undefined;
    const poller = new StatusPoller(collector, options, intervalMs, Date.now, collectTimeoutMs, probe);
    const server = createStatusServer({ poller, token });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(error.code === "EADDRINUSE" ? new UserError(`--port ${port}: ${host}:${port} is already in use`) : error),
      );
      server.listen(port, host, resolve);
    });
    void poller.start();
    const address = server.address() as AddressInfo;
    const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
    if (output.json) process.stdout.write(`${JSON.stringify({ ok: true, url, source: collector.description })}\n`);
    else process.stderr.write(`appliance status on ${url} (reading ${collector.description} every ${intervalSeconds} s)\n`);

    // SIGTERM/SIGINT: abandon the refresh in flight (its requests are destroyed), close the server, exit.
    // The kubelet's grace period is 30 s; we are done in well under 2.
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.closeAllConnections();
        server.close();
        void poller.stop().then(resolve);
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
  },
);
