import { afterEach, describe, expect, it } from "vitest";
import { RegistryAuth, mergeScopes, parseWwwAuthenticate, repositoryScope } from "../../src/oci/auth.js";
import { TokenServiceError } from "../../src/oci/token-answer.js";
import type { Credentials } from "../../src/oci/credentials.js";
import { HttpClient } from "../../src/oci/http.js";
import { instantRetry, startLocalServer, type LocalServer } from "./test-helpers.js";

describe("parseWwwAuthenticate", () => {
  it("reads a Bearer challenge whose quoted scope contains commas", () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:team/app:pull,push" },
      },
    ]);
  });

  it("reads Basic, unquoted values, spaces around '=', escaped quotes and an error parameter", () => {
    expect(parseWwwAuthenticate('Basic realm="Registry \\"Realm\\""')).toEqual([{ scheme: "basic", params: { realm: 'Registry "Realm"' } }]);
    expect(parseWwwAuthenticate('BEARER realm = "r", error=insufficient_scope')).toEqual([
      { scheme: "bearer", params: { realm: "r", error: "insufficient_scope" } },
    ]);
  });

  it("separates several challenges in one header (as Headers.get joins them)", () => {
    expect(parseWwwAuthenticate('Basic realm="a, b", Bearer realm="https://t/token",service="s"')).toEqual([
      { scheme: "basic", params: { realm: "a, b" } },
      { scheme: "bearer", params: { realm: "https://t/token", service: "s" } },
    ]);
  });

  it("keeps token68 credentials and survives garbage", () => {
    expect(parseWwwAuthenticate("Negotiate abc==, Basic realm=x")).toEqual([
      { scheme: "negotiate", params: { token68: "abc==" } },
      { scheme: "basic", params: { realm: "x" } },
    ]);
    expect(parseWwwAuthenticate("")).toEqual([]);
    expect(() => parseWwwAuthenticate('=== "unterminated')).not.toThrow();
  });
});

describe("scopes", () => {
  it("builds repository scopes and merges actions per resource", () => {
    expect(repositoryScope("a/b", ["pull", "push"])).toBe("repository:a/b:pull,push");
    expect(mergeScopes(["repository:a:pull,push"], ["repository:a:pull", "repository:b:pull", "registry:catalog:*"])).toEqual([
      "repository:a:pull,push",
      "repository:b:pull",
      "registry:catalog:*",
    ]);
  });
});

describe("RegistryAuth token handling", () => {
  let realm: LocalServer | undefined;
  afterEach(async () => {
    await realm?.close();
    realm = undefined;
  });

  /** A token service that numbers its tokens and remembers what it was asked. */
  async function tokenService(reply: (count: number) => { status: number; body: unknown }) {
    const requests: { scopes: string[]; authorization: string | undefined; service: string | null }[] = [];
    realm = await startLocalServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://realm");
      requests.push({ scopes: url.searchParams.getAll("scope"), authorization: request.headers.authorization, service: url.searchParams.get("service") });
      const { status, body } = reply(requests.length);
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    });
    return requests;
  }

  function authWith(credentials: Credentials | undefined, clock: { now: number }) {
    return new RegistryAuth({
      registry: "registry.test",
      http: new HttpClient({ retry: instantRetry() }),
      // The test realm is a plain-HTTP local server, allowed only for a --plain-http registry.
      plainHttp: true,
      lookupCredentials: () => (credentials ? { credentials, source: "the test credentials" } : {}),
      now: () => clock.now,
    });
  }

  it("caches a token per scope set until expires_in (minus a margin), then fetches a new one", async () => {
    const requests = await tokenService((count) => ({ status: 200, body: { access_token: `t${count}`, expires_in: 60 } }));
    const clock = { now: 1_000_000 };
    const auth = authWith({ username: "u", password: "p" }, clock);
    const pull = [repositoryScope("app", ["pull"])];
    const challenge = `Bearer realm="${realm!.url}/token",service="svc",scope="repository:app:pull"`;

    expect(await auth.authorization(pull)).toBeUndefined(); // nothing known before the first challenge
    expect(await auth.respondToChallenge(challenge, pull, undefined)).toBe("Bearer t1");
    expect(requests[0]).toEqual({ scopes: ["repository:app:pull"], authorization: `Basic ${Buffer.from("u:p").toString("base64")}`, service: "svc" });

    clock.now += 49_000;
    expect(await auth.authorization(pull)).toBe("Bearer t1");
    expect(await auth.authorization([repositoryScope("app", ["pull", "push"])])).toBe("Bearer t2");
    clock.now += 2_000; // 51 s: inside the 10 s renewal margin of a 60 s token
    expect(await auth.authorization(pull)).toBe("Bearer t3");
    expect(requests).toHaveLength(3);
  });

  it("accepts `token` as well as `access_token`, and defaults the lifetime to 60 s", async () => {
    await tokenService((count) => ({ status: 200, body: { token: `plain${count}` } }));
    const clock = { now: 0 };
    const auth = authWith(undefined, clock);
    const scopes = ["repository:x:pull"];
    expect(await auth.respondToChallenge(`Bearer realm="${realm!.url}/token"`, scopes, undefined)).toBe("Bearer plain1");
    clock.now = 49_000;
    expect(await auth.authorization(scopes)).toBe("Bearer plain1");
    clock.now = 51_000;
    expect(await auth.authorization(scopes)).toBe("Bearer plain2");
  });

  it("does not ask again when a fresh token was refused for insufficient scope", async () => {
    const requests = await tokenService(() => ({ status: 200, body: { token: "limited" } }));
    const auth = authWith(undefined, { now: 0 });
    const push = ["repository:x:pull,push"];
    const first = await auth.respondToChallenge(`Bearer realm="${realm!.url}/token"`, push, undefined);
    expect(first).toBe("Bearer limited");
    const again = await auth.respondToChallenge(`Bearer realm="${realm!.url}/token",error="insufficient_scope"`, push, first);
    expect(again).toBeUndefined();
    expect(requests).toHaveLength(1);
  });

  it("turns a refusal by the token service into a TokenServiceError naming the credential source", async () => {
    await tokenService(() => ({ status: 401, body: { errors: [{ code: "UNAUTHORIZED", message: "bad password" }] } }));
    const auth = authWith({ username: "u", password: "secret-value" }, { now: 0 });
    const error = await auth.respondToChallenge(`Bearer realm="${realm!.url}/token"`, ["repository:x:pull"], undefined).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect((error as Error).message).toContain("authentication failed for registry.test");
    expect((error as Error).message).toContain("rejected the test credentials");
    expect((error as Error).message).toContain("bad password");
    expect((error as Error).message).not.toContain("secret-value");
  });

  it("answers Basic challenges with Basic credentials, once; a bearer token cannot answer Basic", async () => {
    const auth = authWith({ username: "u", password: "p" }, { now: 0 });
    const basic = await auth.respondToChallenge('Basic realm="r"', [], undefined);
    expect(basic).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    expect(await auth.authorization(["anything"])).toBe(basic);
    expect(await auth.respondToChallenge('Basic realm="r"', [], basic)).toBeUndefined();

    const tokenOnly = authWith({ token: "pre-issued" }, { now: 0 });
    expect(await tokenOnly.respondToChallenge('Basic realm="r"', [], undefined)).toBeUndefined();
    expect(await tokenOnly.respondToChallenge('Bearer realm="https://unused.invalid/token"', [], undefined)).toBe("Bearer pre-issued");
  });
});
