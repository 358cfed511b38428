import { rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApplianceStatus } from "../../../schemas/status.js";
import { FailureRateLimiter } from "../../../src/services/status/rate-limit.js";
import { TOKEN, startStatusServer, type RunningStatusServer } from "./status-server-harness.js";
import { statusSchemaValidator } from "./status-fixtures.js";

const GUARDED = ["/", "/api/status", "/api/overview", "/api/diagnostics"];

describe("status HTTP service on 127.0.0.1", () => {
  let server: RunningStatusServer;
  beforeAll(async () => {
    server = await startStatusServer("postgres-subpath");
  });
  afterAll(() => server.close());

  it("/healthz is open", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok\n");
  });

  it("every guarded route answers 401 without a token, with no status in the body", async () => {
    for (const path of GUARDED) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      const body = await response.text();
      expect(body).not.toContain("subPath");
      expect(body).not.toContain("db-0");
    }
  });

  it("a wrong bearer token, a wrong ?token= and a forged cookie are 401", async () => {
    expect((await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/status?token=nope`, { redirect: "manual" })).status).toBe(401);
    expect((await fetch(`${server.url}/api/status`, { headers: { cookie: `appliance_status_session=${TOKEN}` } })).status).toBe(401);
  });

  it("the bearer token gets the canonical status, valid against the JSON Schema", async () => {
    const response = await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const status = (await response.json()) as any;
    expect(() => ApplianceStatus.parse(status)).not.toThrow();
    expect(statusSchemaValidator()(status)).toBe(true);
    expect(status.rollup.state).toBe("failed_action_required");
    expect(status.topBlockers[0].layer).toBe("Core Postgres storage initialization");
  });

  it("?token= once: 303 to the same URL without the token, an HttpOnly SameSite cookie, and the cookie alone then works", async () => {
    const first = await fetch(`${server.url}/?token=${encodeURIComponent(TOKEN)}`, { redirect: "manual" });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/");
    const cookie = first.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0]!;
    const page = await fetch(`${server.url}/`, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain("Action required");
    expect(html).toContain("Core Postgres storage initialization");
    expect(html).not.toMatch(/<script|<link|@import|url\(http/);
    const api = await fetch(`${server.url}/api/overview`, { headers: { cookie: session } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as any).topBlocker.component).toBe("db");
    const keepsOtherParams = await fetch(`${server.url}/api/status?token=${encodeURIComponent(TOKEN)}&pretty=1`, { redirect: "manual" });
    expect(keepsOtherParams.headers.get("location")).toBe("/api/status?pretty=1");
  });

  it("diagnostics carry components, events and the collector's state", async () => {
    const response = await fetch(`${server.url}/api/diagnostics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await response.json()) as any;
    expect(body.components.find((c: { name: string }) => c.name === "db").status).toBe("Failed");
    expect(body.recentEvents.length).toBeGreaterThan(0);
    expect(body.collector.intervalSeconds).toBe(60);
  });

  it("only GET and HEAD; unknown paths are 404", async () => {
    expect((await fetch(`${server.url}/api/status`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    expect((await fetch(`${server.url}/secrets`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it("a rotated token file takes effect without a restart", async () => {
    const rotated = await startStatusServer("healthy");
    try {
      writeFileSync(rotated.tokenFile, "a-brand-new-token-0123456789\n");
      expect((await fetch(`${rotated.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
      expect((await fetch(`${rotated.url}/api/status`, { headers: { authorization: "Bearer a-brand-new-token-0123456789" } })).status).toBe(200);
      writeFileSync(rotated.tokenFile, "short\n");
      expect((await fetch(`${rotated.url}/api/status`, { headers: { authorization: "Bearer short" } })).status).toBe(503);
    } finally {
      await rotated.close();
    }
  });
});

describe("wrong tokens are rate-limited; the right token never is (point 11)", () => {
  it("after the limit, wrong tokens get 429 with Retry-After until the window passes, while the right token still gets the status", async () => {
    let now = Date.parse("2026-04-30T12:00:00Z");
    const server = await startStatusServer("healthy", { limiter: new FailureRateLimiter(3, 60_000), clock: () => now });
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/api/status`, { headers: { authorization: "Bearer guess-000000000000" } })).status).toBe(401);
      const blocked = await fetch(`${server.url}/api/status`, { headers: { authorization: "Bearer guess-000000000001" } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
      // The operator behind the same address is not locked out (test fails before: 429).
      expect((await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await fetch(`${server.url}/api/status`)).status).toBe(429);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      now += 61_000;
      expect((await fetch(`${server.url}/api/status`, { headers: { authorization: "Bearer guess-000000000002" } })).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it("requests with no credentials at all do not count as guesses", async () => {
    const server = await startStatusServer("healthy", { limiter: new FailureRateLimiter(3, 60_000), clock: () => Date.parse("2026-04-30T12:00:00Z") });
    try {
      // A browser's first visit, a load balancer's probe: asked for a token, never blocked for it.
      for (let i = 0; i < 6; i++) expect((await fetch(`${server.url}/api/status`)).status).toBe(401);
      expect((await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("token hygiene (point 11)", () => {
  it("a low-entropy token (sixteen a) is refused like a missing one: 503 with a diagnostic saying why, even when presented", async () => {
    const weak = "a".repeat(16);
    const server = await startStatusServer("healthy", { token: weak });
    try {
      for (const headers of [{}, { authorization: `Bearer ${weak}` }] as Record<string, string>[]) {
        const response = await fetch(`${server.url}/api/status`, { headers });
        expect(response.status).toBe(503);
        const body = (await response.json()) as { error: string; reason: string };
        expect(body.reason).toMatch(/too easy to guess \(1 distinct characters, about 0 bits/);
      }
      const page = await fetch(`${server.url}/?token=${weak}`, { redirect: "manual" });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("too easy to guess");
      writeFileSync(server.tokenFile, "abababababababababab\n");
      expect((await fetch(`${server.url}/api/status`, { headers: { authorization: "Bearer abababababababababab" } })).status).toBe(503);
      writeFileSync(server.tokenFile, `${TOKEN}\n`);
      expect((await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("an unreadable token file is a 503 that says so", async () => {
    const server = await startStatusServer("healthy");
    try {
      rmSync(server.tokenFile);
      const body = (await (await fetch(`${server.url}/api/status`)).json()) as { reason: string };
      expect(body.reason).toMatch(/cannot be read \(ENOENT\)/);
    } finally {
      await server.close();
    }
  });

  it("a malformed request target gets 400, not 500", async () => {
    const server = await startStatusServer("healthy");
    try {
      const { port } = new URL(server.url);
      for (const target of ["*", "//evil.example/api/status", "http://[::1/api/status", "api/status"]) {
        const reply = await rawRequest(Number(port), `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
        expect(reply.split("\r\n")[0], target).toBe("HTTP/1.1 400 Bad Request");
      }
    } finally {
      await server.close();
    }
  });
});

/** Sends bytes as they are (fetch would normalise the target) and returns the whole reply. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(text));
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (reply += chunk));
    socket.on("end", () => resolve(reply));
    socket.on("error", reject);
  });
}
