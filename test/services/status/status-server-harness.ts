import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStatusServer } from "../../../src/services/status/http-server.js";
import { FailureRateLimiter } from "../../../src/services/status/rate-limit.js";
import { snapshotFileCollector } from "../../../src/services/status/snapshot-file.js";
import { StatusPoller, type SnapshotCollector } from "../../../src/services/status/status-poller.js";
import { TokenFile } from "../../../src/services/status/token-auth.js";
import { NOW, fixturePath } from "./status-fixtures.js";

export const TOKEN = "s3cret-status-token-0123456789";

export interface RunningStatusServer {
  readonly url: string;
  readonly tokenFile: string;
  close(): Promise<void>;
}

/** The real status server on 127.0.0.1, serving a fixture, with the clock at the fixture time. */
export async function startStatusServer(
  fixture: string,
  options: { limiter?: FailureRateLimiter; token?: string; clock?: () => number; collector?: SnapshotCollector; poller?: (poller: StatusPoller) => Promise<void> } = {},
): Promise<RunningStatusServer> {
  const dir = mkdtempSync(join(tmpdir(), "status-server-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${options.token ?? TOKEN}\n`);
  const clock = options.clock ?? (() => NOW);
  const poller = new StatusPoller(options.collector ?? snapshotFileCollector(fixturePath(fixture)), { siteId: "appliance-single-node", urls: { login: "http://192.168.64.8:3000", status: null } }, 60_000, clock);
  await poller.refresh();
  await options.poller?.(poller);
  const server = createStatusServer({ poller, token: new TokenFile(tokenFile, 0), clock, ...(options.limiter ? { rateLimiter: options.limiter } : {}) });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokenFile,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
