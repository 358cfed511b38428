/**
 * Where registry credentials come from, in order of precedence:
 *   1. credentials passed explicitly to the client,
 *   2. environment: OCI_USERNAME + OCI_PASSWORD, or OCI_TOKEN,
 *   3. docker's config.json ($DOCKER_CONFIG/config.json, else ~/.docker/config.json): `auths[host]`.
 *
 * Docker credential helpers (`credsStore`, `credHelpers`) are NOT supported: running arbitrary
 * `docker-credential-*` binaries is out of scope. When config.json delegates a host to a helper,
 * the lookup says so in `note`, which ends up in the 401 error message.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** A username and password (or access token used as a password), sent as Basic to the registry or to its token realm. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** A pre-issued registry bearer token, sent as-is in `Authorization: Bearer`. */
export interface BearerTokenCredentials {
  readonly token: string;
}

/** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the token realm for access tokens. */
export interface IdentityTokenCredentials {
  readonly identityToken: string;
}

export type Credentials = BasicCredentials | BearerTokenCredentials | IdentityTokenCredentials;

export interface CredentialLookup {
  readonly credentials?: Credentials;
  /** Where the credentials came from, as a noun phrase for error messages (never the secret itself). */
  readonly source?: string;
  /** Why nothing usable was found, when that is worth telling the user (e.g. an unsupported credential helper). */
  readonly note?: string;
}

export interface CredentialLookupOptions {
  readonly explicit?: Credentials;
  /** Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to `env.HOME`/`os.homedir()`; only used when DOCKER_CONFIG is unset. */
  readonly homeDir?: string;
}

export function isBasicCredentials(credentials: Credentials): credentials is BasicCredentials {
  return "username" in credentials;
}

export function isBearerTokenCredentials(credentials: Credentials): credentials is BearerTokenCredentials {
  return "token" in credentials;
}

export function isIdentityTokenCredentials(credentials: Credentials): credentials is IdentityTokenCredentials {
  return "identityToken" in credentials;
}

/** Finds credentials for `registry` (`host[:port]`). Throws only on inconsistent input (half-set env vars, unreadable JSON). */
export function lookupCredentials(registry: string, options: CredentialLookupOptions = {}): CredentialLookup {
  if (options.explicit) return { credentials: options.explicit, source: "the credentials passed explicitly" };
  const env = options.env ?? process.env;
  const fromEnv = credentialsFromEnvironment(env);
  if (fromEnv) return fromEnv;
  return credentialsFromDockerConfig(registry, dockerConfigPath(env, options.homeDir));
}

/**
 * OCI_USERNAME + OCI_PASSWORD take precedence over OCI_TOKEN when both are set. The environment is not
 * scoped to a host: it applies to whichever registry the command talks to (and that registry's token realm).
 */
function credentialsFromEnvironment(env: Readonly<Record<string, string | undefined>>): CredentialLookup | undefined {
  const username = nonEmpty(env.OCI_USERNAME);
  const password = nonEmpty(env.OCI_PASSWORD);
  if (username !== undefined && password !== undefined) {
    return { credentials: { username, password }, source: "credentials from environment variables OCI_USERNAME/OCI_PASSWORD" };
  }
  const token = nonEmpty(env.OCI_TOKEN);
  if (token !== undefined) return { credentials: { token }, source: "the token from environment variable OCI_TOKEN" };
  if (username !== undefined) throw new Error("OCI_USERNAME is set but OCI_PASSWORD is not: set both, or neither");
  if (password !== undefined) throw new Error("OCI_PASSWORD is set but OCI_USERNAME is not: set both, or neither");
  return undefined;
}

export function dockerConfigPath(env: Readonly<Record<string, string | undefined>> = process.env, homeDir?: string): string {
  const dir = nonEmpty(env.DOCKER_CONFIG);
  if (dir !== undefined) return join(dir, "config.json");
  return join(homeDir ?? nonEmpty(env.HOME) ?? homedir(), ".docker", "config.json");
}

interface DockerAuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
  registrytoken?: unknown;
}

interface DockerConfigFile {
  auths?: Record<string, DockerAuthEntry>;
  credsStore?: unknown;
  credHelpers?: Record<string, unknown>;
}

/** Reads `auths[registry]` from a docker config.json; a missing file is simply "no credentials". */
function credentialsFromDockerConfig(registry: string, path: string): CredentialLookup {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`cannot read docker config ${path}: ${(error as Error).message}`);
  }
  let config: DockerConfigFile;
  try {
    config = JSON.parse(text) as DockerConfigFile;
  } catch (error) {
    throw new Error(`docker config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const source = `credentials from docker config ${path}`;
  const entry = findAuthEntry(config.auths ?? {}, registry);
  if (entry) {
    const credentials = credentialsFromEntry(entry, registry, path);
    if (credentials) return { credentials, source };
  }
  const helper = typeof config.credHelpers?.[registry] === "string" ? config.credHelpers[registry] : config.credsStore;
  if (typeof helper === "string" && helper !== "") {
    return {
      note: `${source} delegates credentials to the helper "docker-credential-${helper}", which this tool does not run; set OCI_USERNAME/OCI_PASSWORD instead`,
    };
  }
  return {};
}

function credentialsFromEntry(entry: DockerAuthEntry, registry: string, path: string): Credentials | undefined {
  if (typeof entry.identitytoken === "string" && entry.identitytoken !== "") return { identityToken: entry.identitytoken };
  if (typeof entry.registrytoken === "string" && entry.registrytoken !== "") return { token: entry.registrytoken };
  if (typeof entry.auth === "string" && entry.auth !== "") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw new Error(`docker config ${path}: auths["${registry}"].auth is not base64 of "username:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === "string" && typeof entry.password === "string" && entry.username !== "") {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** The names of Docker Hub: `docker login` files its entry under `https://index.docker.io/v1/`, its API is registry-1.docker.io. */
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** docker login writes keys as `host`, `https://host` or `https://host/v1/`; match any of them by host. */
function findAuthEntry(auths: Record<string, DockerAuthEntry>, registry: string): DockerAuthEntry | undefined {
  if (auths[registry]) return auths[registry];
  const wanted = registry.toLowerCase();
  const sameHost = (host: string) => host === wanted || (DOCKER_HUB_HOSTS.has(wanted) && DOCKER_HUB_HOSTS.has(host));
  for (const [key, entry] of Object.entries(auths)) {
    if (sameHost(authKeyHost(key))) return entry;
  }
  return undefined;
}

function authKeyHost(key: string): string {
  return key
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
