import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

// A pull asks the registry's /v2/ only when its resolution fails (a pull that works spends no
// request on it), and then says what is wrong with the server rather than "no such channel".
describe("pull from a server that is not a registry", () => {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(404, { "Content-Type": "text/plain" }).end("File not found");
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("names the server as not a registry, exits 1 and leaves nothing", async () => {
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out = join(tempDir(), "appliance");
    const result = await runCli("pull", ["--registry", `${host}/alga`, "--plain-http", "--channel", "stable", "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${host} does not look like an OCI registry: GET http://${host}/v2/ answered 404`);
    expect(existsSync(out)).toBe(false);
    // The resolution first, then the check that explains its failure.
    expect(requests[0]).toBe("GET /v2/alga/alga-appliance-release/manifests/stable");
    expect(requests).toContain("GET /v2/");
  });
});
