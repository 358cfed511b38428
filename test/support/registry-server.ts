/**
 * Starts Debian's real `docker-registry` (CNCF distribution 2.8) on 127.0.0.1 for tests,
 * optionally behind htpasswd Basic auth or behind token auth with a tiny in-process token issuer.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createSign, randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startLocalServer } from "./local-server.js";
import bcrypt from "bcryptjs";

const REGISTRY_BINARY = "/usr/bin/docker-registry";
const STARTUP_TIMEOUT_MS = 15_000;
const TOKEN_SERVICE = "oci-test-registry";
const TOKEN_ISSUER = "oci-test-token-issuer";

export interface RegistryUser {
  readonly username: string;
  readonly password: string;
}

export interface StartRegistryOptions {
  readonly auth?: "none" | "basic" | "token";
  /** Defaults to one random user for `basic` and `token`. */
  readonly users?: readonly RegistryUser[];
  /** `http.relativeurls`: answer relative `Location` headers (absolute by default). */
  readonly relativeUrls?: boolean;
}

/** One request the token issuer answered. */
export interface TokenRequestRecord {
  readonly method: string;
  /** The authenticated user, or undefined for anonymous requests. */
  readonly user: string | undefined;
  readonly scopes: readonly string[];
  readonly status: number;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The first user, when auth is enabled. */
  readonly username?: string;
  readonly password?: string;
  readonly users: readonly RegistryUser[];
  /** The filesystem driver's root directory. */
  readonly dataDir: string;
  /** Path of a blob's bytes on disk (for tampering tests). */
  blobDataPath(digest: string): string;
  /** Token auth only: every request the issuer answered, in order. */
  readonly tokenRequests: TokenRequestRecord[];
  /** Token auth only: an OAuth2 refresh token (docker's `identitytoken`) for the first user. */
  readonly identityToken?: string;
  /** Token auth only: signs a registry token granting `scopes` (`repository:name:actions`) to `subject`. */
  issueToken?(scopes: readonly string[], subject?: string): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills registries left running when the test process exits without calling stop(). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(`${REGISTRY_BINARY} not found: install it with \`apt-get install -y docker-registry\``);
  }
  installExitHook();
  const auth = options.auth ?? "none";
  const users = options.users ?? (auth === "none" ? [] : [{ username: "tester", password: randomBytes(12).toString("hex") }]);
  const dir = await mkdtemp(join(tmpdir(), "oci-registry-"));
  const dataDir = join(dir, "data");

  let issuer: TokenIssuer | undefined;
  try {
    let authConfig = "";
    if (auth === "basic") {
      const htpasswd = users.map((user) => `${user.username}:${bcrypt.hashSync(user.password, 4)}`).join("\n");
      await writeFile(join(dir, "htpasswd"), `${htpasswd}\n`);
      authConfig = `auth:\n  htpasswd:\n    realm: oci-test\n    path: ${JSON.stringify(join(dir, "htpasswd"))}\n`;
    } else if (auth === "token") {
      issuer = await startTokenIssuer(dir, users);
      authConfig =
        `auth:\n  token:\n    realm: ${JSON.stringify(`${issuer.url}/token`)}\n    service: ${TOKEN_SERVICE}\n` +
        `    issuer: ${TOKEN_ISSUER}\n    rootcertbundle: ${JSON.stringify(issuer.certPath)}\n`;
    }

    const { child, port } = await spawnRegistry(dir, dataDir, authConfig, options.relativeUrls ?? false);
    const host = `127.0.0.1:${port}`;
    const first = users[0];
    const tokenIssuer = issuer;
    return {
      host,
      url: `http://${host}`,
      ...(first ? { username: first.username, password: first.password } : {}),
      users,
      dataDir,
      blobDataPath: (digest) => {
        const hex = digest.replace(/^sha256:/, "");
        return join(dataDir, "docker", "registry", "v2", "blobs", "sha256", hex.slice(0, 2), hex, "data");
      },
      tokenRequests: tokenIssuer?.requests ?? [],
      ...(tokenIssuer && first
        ? {
            identityToken: tokenIssuer.refreshTokenFor(first.username),
            issueToken: (scopes: readonly string[], subject = first.username) => tokenIssuer.sign(subject, scopes),
          }
        : {}),
      stop: async () => {
        await stopProcess(child);
        await tokenIssuer?.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await issuer?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Spawns the registry on a free port; retries when another process grabbed the port in between. */
async function spawnRegistry(
  dir: string,
  dataDir: string,
  authConfig: string,
  relativeUrls: boolean,
): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const configPath = join(dir, "config.yml");
    await writeFile(
      configPath,
      [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${JSON.stringify(dataDir)}`,
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        `  addr: 127.0.0.1:${port}`,
        // A fixed secret silences the "no secret" warning and keeps upload state tokens valid.
        `  secret: ${randomBytes(16).toString("hex")}`,
        `  relativeurls: ${relativeUrls}`,
        "health:",
        "  storagedriver:",
        "    enabled: false",
        authConfig,
      ].join("\n"),
    );
    const child = spawn(REGISTRY_BINARY, ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.once("exit", () => running.delete(child));
    let output = "";
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-8_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    try {
      await waitUntilReady(child, `http://127.0.0.1:${port}/v2/`, () => output);
      return { child, port };
    } catch (error) {
      await stopProcess(child);
      if (attempt < 3 && /address already in use/i.test(output)) continue;
      throw error;
    }
  }
}

async function waitUntilReady(child: ChildProcess, url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited || child.exitCode !== null) {
      throw new Error(`docker-registry exited during startup (code ${child.exitCode}):\n${output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer ${url} within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Binds port 0 to learn a free port, then releases it for the registry. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface TokenIssuer {
  readonly url: string;
  readonly certPath: string;
  readonly requests: TokenRequestRecord[];
  refreshTokenFor(username: string): string;
  sign(subject: string | undefined, scopes: readonly string[]): string;
  close(): Promise<void>;
}

/**
 * A minimal distribution token service. Authenticated users get every action they ask for;
 * anonymous requests get a token with no access at all, so anonymous pulls and pushes are refused.
 */
async function startTokenIssuer(dir: string, users: readonly RegistryUser[]): Promise<TokenIssuer> {
  const keyPath = join(dir, "token-key.pem");
  const certPath = join(dir, "token-cert.pem");
  await promisify(execFile)("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", `/CN=${TOKEN_ISSUER}`,
  ]);
  const privateKey = await readFile(keyPath, "utf8");
  const certDer = (await readFile(certPath, "utf8")).replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  const refreshTokens = new Map<string, string>(users.map((user) => [randomBytes(16).toString("hex"), user.username]));
  const requests: TokenRequestRecord[] = [];

  const sign = (subject: string | undefined, scopes: readonly string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    // Registry 2.8 accepts the signing key through an x5c chain that ends in its rootcertbundle.
    const header = { typ: "JWT", alg: "ES256", x5c: [certDer] };
    const claims = {
      iss: TOKEN_ISSUER,
      sub: subject ?? "",
      aud: TOKEN_SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: subject === undefined ? [] : scopes.flatMap(parseScope),
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    // JWS wants the raw r||s form of an ECDSA signature, not DER.
    const signature = createSign("SHA256").update(signingInput).sign({ key: privateKey, dsaEncoding: "ieee-p1363" });
    return `${signingInput}.${signature.toString("base64url")}`;
  };

  const server = await startLocalServer((request, response, body) =>
    handleTokenRequest(request, response, body.toString("utf8"), { users, refreshTokens, requests, sign }),
  );
  return {
    url: server.url,
    certPath,
    requests,
    refreshTokenFor: (username) => [...refreshTokens].find(([, user]) => user === username)?.[0] ?? "",
    sign,
    close: () => server.close(),
  };
}

interface IssuerState {
  readonly users: readonly RegistryUser[];
  readonly refreshTokens: ReadonlyMap<string, string>;
  readonly requests: TokenRequestRecord[];
  sign(subject: string | undefined, scopes: readonly string[]): string;
}

async function handleTokenRequest(request: IncomingMessage, response: ServerResponse, body: string, state: IssuerState): Promise<void> {
  const url = new URL(request.url ?? "/", "http://issuer");
  const reply = (status: number, body: unknown, user: string | undefined, scopes: readonly string[]): void => {
    state.requests.push({ method: request.method ?? "", user, scopes, status });
    response.writeHead(status, { "Content-Type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const denied = (scopes: readonly string[]): void =>
    reply(401, { errors: [{ code: "UNAUTHORIZED", message: "invalid username or password" }] }, undefined, scopes);
  if (url.pathname !== "/token") return reply(404, { error: "not found" }, undefined, []);

  if (request.method === "POST") {
    // OAuth2: docker exchanges an identity token (refresh token) or a password for an access token.
    const form = new URLSearchParams(body);
    const scopes = (form.get("scope") ?? "").split(" ").filter((scope) => scope !== "");
    let user: string | undefined;
    if (form.get("grant_type") === "refresh_token") user = state.refreshTokens.get(form.get("refresh_token") ?? "");
    else if (form.get("grant_type") === "password") user = checkPassword(state.users, form.get("username"), form.get("password"));
    else return reply(400, { error: "unsupported_grant_type" }, undefined, scopes);
    if (user === undefined) return denied(scopes);
    return reply(200, { access_token: state.sign(user, scopes), expires_in: 300, scope: scopes.join(" ") }, user, scopes);
  }

  const scopes = url.searchParams.getAll("scope");
  let user: string | undefined;
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Basic\s+(.+)$/i.exec(authorization);
    const decoded = match ? Buffer.from(match[1] ?? "", "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    user = colon > 0 ? checkPassword(state.users, decoded.slice(0, colon), decoded.slice(colon + 1)) : undefined;
    if (user === undefined) return denied(scopes);
  }
  const token = state.sign(user, scopes);
  return reply(200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }, user, scopes);
}

function checkPassword(users: readonly RegistryUser[], username: string | null, password: string | null): string | undefined {
  return users.find((user) => user.username === username && user.password === password)?.username;
}

/** `repository:name:pull,push` → one access entry. Names never contain ':' but the type/actions split must not rely on it. */
function parseScope(scope: string): { type: string; name: string; actions: string[] }[] {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first === -1 || last === first) return [];
  return [{ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(",").filter(Boolean) }];
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

