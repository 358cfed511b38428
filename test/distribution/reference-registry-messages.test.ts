/**
 * Issue 15 point 5 (the image-registry side of lock and preflight): messages that point at the real
 * cause. Real `lock` and `publish` processes against a real registry, a fault proxy, and small real
 * HTTP servers for what a registry of another party may answer (401, redirect loops).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { vi, afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy } from "../support/fault-proxy.js";
import { localRelease } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

// Real processes on a shared, loaded machine.
vi.setConfig({ testTimeout: 180000 });

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});

/** A loopback HTTP server answering every request with `answer`; its `host:port`. */
async function answeringServer(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ host: string; close(): Promise<void> }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ENVIRONMENT_CREDENTIALS = { OCI_USERNAME: "publisher", OCI_PASSWORD: "publisher-secret" };

describe("lock and preflight name the cause an image registry actually has", () => {
  it("a 401 from an image registry names docker login HOST and its config.json entry, not OCI_USERNAME (never sent there)", async () => {
    // Before: "set OCI_USERNAME/OCI_PASSWORD (or OCI_TOKEN), or log in …" for a registry those are never sent to.
    const authorizations: (string | undefined)[] = [];
    const locked = await answeringServer((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(401, { "Content-Type": "application/json", "WWW-Authenticate": 'Basic realm="images"', "Docker-Distribution-Api-Version": "registry/2.0" });
      response.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
    });
    try {
      const dir = tempDir();
      const { version } = await localRelease(dir, registry.host, { version: "5.0.1", referencedRegistry: locked.host, pushNothing: true });
      const env = { ...ENVIRONMENT_CREDENTIALS, DOCKER_CONFIG: join(dir, "docker") };
      const lock = await runCli("lock", ["--release", version], { cwd: dir, env });
      expect(lock.code).toBe(1);
      expect(lock.stderr).toContain(`log in with \`docker login ${locked.host}\` (its entry in $DOCKER_CONFIG/config.json or ~/.docker/config.json)`);
      expect(lock.stderr).toContain(`no credentials for ${locked.host} were found in docker config.json`);
      expect(lock.stderr).not.toMatch(/set OCI_USERNAME|Check OCI_USERNAME|found in OCI_USERNAME/);
      expect(authorizations.every((value) => value === undefined)).toBe(true);
      expect(existsSync(join(dir, "releases", `${version}.lock.yaml`))).toBe(false);
    } finally {
      await locked.close();
    }
  });

  it("a redirect loop at an image registry says so, and suggests neither the host nor --plain-http", async () => {
    // Before: "cannot reach registry …: … more than 10 redirects; check the host and port (if it serves plain HTTP, use --plain-http)".
    const looping = await answeringServer((request, response) => {
      const path = request.url ?? "/";
      // /a → /b → /a: a loop of two hops, as two misconfigured proxies produce.
      const next = path.endsWith("/loop-b") ? path.slice(0, -"/loop-b".length) : `${path}/loop-b`;
      response.writeHead(path === "/v2/" ? 200 : 307, path === "/v2/" ? {} : { Location: next });
      response.end();
    });
    try {
      const dir = tempDir();
      const { version } = await localRelease(dir, registry.host, { version: "5.0.2", referencedRegistry: looping.host, pushNothing: true });
      const lock = await runCli("lock", ["--release", version], { cwd: dir });
      expect(lock.code).toBe(1);
      expect(lock.stderr).toMatch(/redirect loop: http:\/\/127\.0\.0\.1:[0-9]+\/v2\/\S+\/loop-b redirected back to http:\/\/127\.0\.0\.1:[0-9]+\/v2\/\S+build-1, already requested/);
      expect(lock.stderr).toContain("redirects without end");
      expect(lock.stderr).not.toContain("--plain-http");
      expect(lock.stderr).not.toContain("check the host and port");
    } finally {
      await looping.close();
    }
  });

  it("lock never suggests --plain-http, a flag it does not have: an HTTPS image registry that serves plain HTTP is reported as a TLS failure", async () => {
    // 127.1 is 127.0.0.1, but not written as a loopback name: the kit speaks HTTPS to it, and the registry answers plain HTTP.
    // Before: "the TLS handshake failed, so it may serve plain HTTP: try --plain-http".
    const port = registry.host.split(":")[1];
    const dir = tempDir();
    const { version } = await localRelease(dir, registry.host, { version: "5.0.3", referencedRegistry: `127.1:${port}`, pushNothing: true });
    const lock = await runCli("lock", ["--release", version], { cwd: dir });
    expect(lock.code).toBe(1);
    expect(lock.stderr).toContain(`the TLS handshake failed (127.1:${port} is spoken to over HTTPS, and must serve it)`);
    expect(lock.stderr).not.toContain("--plain-http");
    const help = await runCli("lock", ["--help"]);
    expect(help.stdout).not.toContain("--plain-http");
  });

  it("lock --check with every registry unreachable says they could not be reached and exits 2, not 1 'moved'", async () => {
    // Before: exit 1, "14 reference(s) differ from the lock … Re-lock deliberately".
    const proxy = await startFaultProxy(registry.host);
    const dir = tempDir();
    let version: string;
    try {
      ({ version } = await localRelease(dir, registry.host, { version: "5.0.4", referencedRegistry: proxy.host }));
      const locked = await runCli("lock", ["--release", version], { cwd: dir });
      expect(locked.code, locked.stderr).toBe(0);
    } finally {
      await proxy.close();
    }
    // The proxy is gone: its port refuses connections, as with no network.
    const check = await runCli("lock", ["--release", version, "--check", "--json"], { cwd: dir });
    expect(check.code).toBe(2);
    const result = JSON.parse(check.stdout);
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`the registries could not be reached (${proxy.host})`);
    expect(result.error).toContain("nothing is known to have moved");
    expect(result.error).not.toContain("Re-lock");
    expect(result.unreachable).toEqual([proxy.host]);
    expect(result.drift.every((entry: { problem: string }) => entry.problem === "unreachable")).toBe(true);
  });
});
