import { afterEach, describe, expect, it } from "vitest";
import { HttpClient } from "../../src/oci/http.js";
import { HttpConnectionError, parseRetryAfter } from "../../src/oci/http-retries.js";
import { closedPort, instantRetry, startLocalServer, type LocalServer } from "./test-helpers.js";

const servers: LocalServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(...args: Parameters<typeof startLocalServer>): Promise<LocalServer> {
  const server = await startLocalServer(...args);
  servers.push(server);
  return server;
}

/** Answers `failures` with `status` (and `headers`), then 200 "ok"; counts every request. */
async function failingThenOk(failures: number, status: number, headers: Record<string, string> = {}) {
  const seen = { requests: 0 };
  const server = await serve((_request, response) => {
    seen.requests++;
    if (seen.requests <= failures) {
      response.writeHead(status, headers);
      response.end("not now");
      return;
    }
    response.end("ok");
  });
  return { server, seen };
}

describe("retries", () => {
  it("retries 503 with exponential backoff and jitter, then returns the success", async () => {
    const { server, seen } = await failingThenOk(2, 503);
    const retry = instantRetry();
    const result = await new HttpClient({ retry: { ...retry, random: () => 0.5 } }).send({ method: "GET", url: `${server.url}/x` });

    expect(result.response.status).toBe(200);
    expect(await result.response.text()).toBe("ok");
    expect(result.attempts).toBe(3);
    expect(seen.requests).toBe(3);
    // Half fixed, half random: 100 → 75 with random 0.5, then 200 → 150.
    expect(retry.delays).toEqual([75, 150]);
  });

  it("honours Retry-After on 429", async () => {
    const { server, seen } = await failingThenOk(1, 429, { "Retry-After": "2" });
    const retry = instantRetry();
    const result = await new HttpClient({ retry }).send({ method: "GET", url: server.url });
    expect(result.response.status).toBe(200);
    expect(seen.requests).toBe(2);
    expect(retry.delays).toEqual([2000]);
  });

  it("caps a huge Retry-After", async () => {
    const { server } = await failingThenOk(1, 429, { "Retry-After": "3600" });
    const retry = instantRetry();
    await new HttpClient({ retry }).send({ method: "GET", url: server.url });
    expect(retry.delays).toEqual([5_000]);
  });

  it("gives up after the configured attempts and returns the last answer", async () => {
    const { server, seen } = await failingThenOk(100, 502);
    const result = await new HttpClient({ retry: instantRetry(4) }).send({ method: "GET", url: server.url });
    expect(result.response.status).toBe(502);
    expect(result.attempts).toBe(4);
    expect(seen.requests).toBe(4);
  });

  it("does not retry 501 Not Implemented", async () => {
    const { server, seen } = await failingThenOk(1, 501);
    const result = await new HttpClient({ retry: instantRetry() }).send({ method: "GET", url: server.url });
    expect(result.response.status).toBe(501);
    expect(seen.requests).toBe(1);
  });

  it("does not repeat a POST unless the caller marks it retryable, and then resends the same body", async () => {
    const bodies: string[] = [];
    const server = await serve((_request, response, body) => {
      bodies.push(body.toString());
      response.writeHead(bodies.length === 1 ? 503 : 202);
      response.end();
    });
    const client = new HttpClient({ retry: instantRetry() });
    const once = await client.send({ method: "POST", url: server.url, body: new TextEncoder().encode("payload") });
    expect(once.response.status).toBe(503);
    await once.response.arrayBuffer();
    expect(bodies).toEqual(["payload"]);

    bodies.length = 0;
    const retried = await client.send({ method: "POST", url: server.url, body: new TextEncoder().encode("payload"), retryable: true });
    expect(retried.response.status).toBe(202);
    expect(bodies).toEqual(["payload", "payload"]);
  });

  it("retries connection refused, then fails with a clear error naming the URL", async () => {
    const port = await closedPort();
    let calls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const retry = instantRetry(3);
    const error = await new HttpClient({ transport: countingFetch, retry })
      .send({ method: "GET", url: `http://127.0.0.1:${port}/v2/` })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(HttpConnectionError);
    expect((error as HttpConnectionError).code).toBe("ECONNREFUSED");
    expect((error as Error).message).toContain(`GET http://127.0.0.1:${port}/v2/ failed after 3 attempts`);
    expect(calls).toBe(3);
    expect(retry.delays).toEqual([100, 200]);
  });

  it("times out a request that never answers, and retries it", async () => {
    let requests = 0;
    const server = await serve(() => {
      requests++; // never answers
    });
    const error = await new HttpClient({ timeoutMs: 100, retry: instantRetry(2) })
      .send({ method: "GET", url: server.url })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpConnectionError);
    expect((error as HttpConnectionError).code).toBe("TIMEOUT");
    expect(requests).toBe(2);
  });
});

describe("redirects", () => {
  it("drops Authorization when a redirect leaves the origin, keeps it within the origin", async () => {
    const storageSaw: (string | undefined)[] = [];
    const storage = await serve((request, response) => {
      storageSaw.push(request.headers.authorization);
      response.end("blob bytes");
    });
    const registrySaw: { url: string | undefined; authorization: string | undefined }[] = [];
    const registry = await serve((request, response) => {
      registrySaw.push({ url: request.url, authorization: request.headers.authorization });
      if (request.url === "/first") response.writeHead(302, { Location: "/second" });
      else response.writeHead(307, { Location: `${storage.url}/bucket/object?signature=abc` });
      response.end();
    });

    const result = await new HttpClient({ retry: instantRetry() }).send({
      method: "GET",
      url: `${registry.url}/first`,
      headers: { Authorization: "Bearer secret-token" },
    });

    expect(await result.response.text()).toBe("blob bytes");
    expect(result.url.href).toBe(`${storage.url}/bucket/object?signature=abc`);
    expect(registrySaw).toEqual([
      { url: "/first", authorization: "Bearer secret-token" },
      { url: "/second", authorization: "Bearer secret-token" },
    ]);
    expect(storageSaw).toEqual([undefined]);
  });

  it("names a redirect loop as one: a URL redirected back to one already asked on the chain", async () => {
    const server = await serve((_request, response) => {
      response.writeHead(302, { Location: "/again" });
      response.end();
    });
    await expect(new HttpClient({ maxRedirects: 3 }).send({ method: "GET", url: server.url })).rejects.toThrow(
      /redirect loop: http:\/\/127\.0\.0\.1:[0-9]+\/again redirected back to http:\/\/127\.0\.0\.1:[0-9]+\/again/,
    );
  });

  it("gives up on a redirect chain longer than its bound that never repeats a URL", async () => {
    let hop = 0;
    const server = await serve((_request, response) => {
      response.writeHead(302, { Location: `/hop-${++hop}` });
      response.end();
    });
    await expect(new HttpClient({ maxRedirects: 3 }).send({ method: "GET", url: server.url })).rejects.toThrow(/more than 3 redirects \(the last to http:\/\/127\.0\.0\.1:[0-9]+\/hop-4\)/);
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("7")).toBe(7000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThan(8_000);
    expect(parseRetryAfter(inTenSeconds)).toBeLessThanOrEqual(10_000);
  });
});
