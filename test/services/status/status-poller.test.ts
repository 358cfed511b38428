import { describe, expect, it } from "vitest";
import { probeLogin } from "../../../src/services/status/login-probe.js";
import { StatusPoller, type SnapshotCollector } from "../../../src/services/status/status-poller.js";
import { snapshotFileCollector } from "../../../src/services/status/snapshot-file.js";
import { startLocalServer } from "../../support/local-server.js";
import { NOW, fixturePath, loadFixture } from "./status-fixtures.js";

describe("status poller", () => {
  it("asks the login URL each collection: a redirect to the dashboard is ready, a refused connection is not", async () => {
    const app = await startLocalServer((_request, response) => {
      response.writeHead(307, { location: "/msp/dashboard" });
      response.end();
    });
    try {
      const poller = new StatusPoller(snapshotFileCollector(fixturePath("healthy")), {}, 60_000, () => NOW, 5_000, async () => ({ login: await probeLogin(app.url) }));
      await poller.refresh();
      expect(poller.latest()!.status.tiers.login).toMatchObject({ ready: true, reason: "alga-core ready (1 ready endpoint behind Service msp/alga-core-sebastian); login URL answers (HTTP 307)" });
    } finally {
      await app.close();
    }
    const down = new StatusPoller(snapshotFileCollector(fixturePath("healthy")), {}, 60_000, () => NOW, 5_000, async () => ({ login: await probeLogin(app.url, 2_000) }));
    await down.refresh();
    expect(down.latest()!.status.tiers.login).toMatchObject({ ready: false, reason: expect.stringContaining("ECONNREFUSED") });
    expect(down.latest()!.status.rollup.state).toBe("installing");
  });

  it("a hung collection is abandoned after the timeout and becomes a blocker; later refreshes still run", async () => {
    let calls = 0;
    const hanging: SnapshotCollector = { description: "hangs", collect: () => (calls++ === 0 ? new Promise(() => undefined) : Promise.resolve({ snapshot: loadFixture("healthy"), accessErrors: [] })) };
    const poller = new StatusPoller(hanging, {}, 60_000, () => NOW, 200);
    await poller.refresh();
    expect(poller.latest()!.status.topBlockers[0]).toMatchObject({ layer: "Status service access", reason: expect.stringContaining("did not answer within 0.2 s") });
    await poller.refresh();
    expect(poller.latest()!.status.rollup.state).toBe("fully_healthy");
  });

  it("a snapshot the classifier cannot handle never rejects a refresh (the interval's rejection would end the process); the last status stays, with the reason", async () => {
    let calls = 0;
    const odd: SnapshotCollector = {
      description: "odd",
      collect: async () => (calls++ === 0 ? { snapshot: loadFixture("healthy"), accessErrors: [] } : { snapshot: { items: [null] } as never, accessErrors: [] }),
    };
    const poller = new StatusPoller(odd, {}, 60_000, () => NOW);
    await poller.refresh();
    await expect(poller.refresh()).resolves.toBeUndefined();
    expect(poller.lastError).toMatch(/^the status could not be computed: /);
    expect(poller.latest()!.status.rollup.state).toBe("fully_healthy");
    expect(poller.latest()!.accessErrors).toEqual([{ kind: "cluster", code: null, message: poller.lastError }]);
  });

  it("a failed collection keeps the last status and records why it is not fresher; concurrent refreshes share one collection", async () => {
    let calls = 0;
    const flaky: SnapshotCollector = {
      description: "flaky",
      collect: async () => {
        calls++;
        if (calls === 2) throw new Error("connection reset");
        return { snapshot: loadFixture("missing-tag-background"), accessErrors: [] };
      },
    };
    const poller = new StatusPoller(flaky, {}, 60_000, () => NOW);
    await Promise.all([poller.refresh(), poller.refresh(), poller.refresh()]);
    expect(calls).toBe(1);
    await poller.refresh();
    expect(poller.lastError).toBe("connection reset");
    expect(poller.latest()!.status.rollup.state).toBe("ready_with_background_issues");
    expect(poller.latest()!.accessErrors).toEqual([{ kind: "cluster", code: null, message: "connection reset" }]);
  });
});
