import type { Deadline } from "../oci/deadline.js";
import { KIT_NAME } from "../../schemas/names.js";
import { RegistryClient } from "../oci/registry-client.js";

/**
 * Loopback registries (127.0.0.0/8, localhost, [::1]) are spoken to over plain HTTP, as Docker
 * treats them as insecure registries by default; every other registry over HTTPS.
 */
export function isLoopbackRegistry(host: string): boolean {
  const name = host.replace(/:[0-9]+$/, "");
  return name === "localhost" || name === "[::1]" || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(name);
}

/** Names image references use for Docker Hub; its registry API is served by registry-1.docker.io. */
const DOCKER_HUB_NAMES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const DOCKER_HUB_API = "registry-1.docker.io";

/**
 * Where the registry API for `registry/repository` is: Docker Hub references name `docker.io`
 * (and official images no namespace), but its API lives at registry-1.docker.io under `library/`.
 */
export function registryEndpoint(registry: string, repository: string): { host: string; repository: string } {
  if (!DOCKER_HUB_NAMES.has(registry)) return { host: registry, repository };
  return { host: DOCKER_HUB_API, repository: repository.includes("/") ? repository : `library/${repository}` };
}

export interface ReferenceRegistriesOptions {
  /** Environment for the credential lookup (OCI_USERNAME/OCI_PASSWORD, OCI_TOKEN, DOCKER_CONFIG). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per request attempt. Default 30 s: these are small HEAD requests. */
  readonly timeoutMs?: number;
  /** Attempts per request (retries for transient failures). Default the client's. */
  readonly attempts?: number;
  /** The command's overall deadline; every request and retry fits inside it. */
  readonly deadline?: Deadline;
  /**
   * The one registry host (`host[:port]`) the environment's credentials (OCI_USERNAME/OCI_PASSWORD,
   * OCI_TOKEN) belong to: the registry being published to. Every other host is asked with its own
   * docker config.json entry or anonymously. Default: none, the environment's credentials go nowhere.
   */
  readonly environmentCredentialsHost?: string;
}

const ENVIRONMENT_CREDENTIALS = ["OCI_USERNAME", "OCI_PASSWORD", "OCI_TOKEN"];

/** The environment without the host-less credentials, for a registry they do not belong to. */
function withoutEnvironmentCredentials(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !ENVIRONMENT_CREDENTIALS.includes(name)));
}

/**
 * One registry client per registry host a release references. Credentials are the host's own
 * (docker config.json `auths[host]`): a release names registries of other parties (Docker Hub,
 * ghcr.io), and the publish target's credentials from the environment must never reach them.
 */
export class ReferenceRegistries {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(private readonly options: ReferenceRegistriesOptions = {}) {}

  client(host: string): RegistryClient {
    let client = this.clients.get(host);
    if (!client) {
      const environmentCredentials = host === this.options.environmentCredentialsHost;
      client = new RegistryClient({
        registry: host,
        plainHttp: isLoopbackRegistry(host),
        userAgent: KIT_NAME,
        timeoutMs: this.options.timeoutMs ?? 30_000,
        ...(this.options.attempts !== undefined ? { retry: { attempts: this.options.attempts } } : {}),
        env: environmentCredentials ? (this.options.env ?? process.env) : withoutEnvironmentCredentials(this.options.env ?? process.env),
        // The scheme follows the host (isLoopbackRegistry), never a flag: advice must not name --plain-http.
        advice: { environmentCredentials, plainHttpFlag: false },
        ...(this.options.deadline ? { deadline: this.options.deadline } : {}),
      });
      this.clients.set(host, client);
    }
    return client;
  }
}
