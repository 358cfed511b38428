/**
 * Registry authentication as registries actually do it: a 401 carries a `WWW-Authenticate` challenge,
 * either Basic (send credentials to the registry) or Bearer (get a token for a scope from a realm,
 * then send the token). Tokens are cached per scope set until they expire.
 */
import {
  isBasicCredentials,
  isBearerTokenCredentials,
  isIdentityTokenCredentials,
  type BasicCredentials,
  type CredentialLookup,
} from "./credentials.js";
import { MAX_TOKEN_RESPONSE_BYTES, readBodyWithin, readTextPrefix } from "./http-bodies.js";
import { redactUrl, type HttpClient } from "./http.js";
import { TokenServiceError, parseTokenAnswer } from "./token-answer.js";

interface AuthChallenge {
  /** Lowercased: `basic`, `bearer`, ... */
  readonly scheme: string;
  /** Parameter names lowercased, values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

type RepositoryAction = "pull" | "push" | "delete";

/** `repository:<name>:<actions>` as understood by distribution token services. */
export function repositoryScope(name: string, actions: readonly RepositoryAction[]): string {
  return `repository:${name}:${actions.join(",")}`;
}

/**
 * Parses a `WWW-Authenticate` value into challenges. Handles several challenges in one header,
 * quoted values containing commas and escaped quotes, and token68 values (`Negotiate abc==`).
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skip = (pattern: RegExp): void => {
    while (i < header.length && pattern.test(header.charAt(i))) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < header.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header.charAt(i))) i++;
    return header.slice(start, i);
  };
  const readQuoted = (): string => {
    let value = "";
    i++; // opening quote
    while (i < header.length && header.charAt(i) !== '"') {
      if (header.charAt(i) === "\\" && i + 1 < header.length) i++;
      value += header.charAt(i);
      i++;
    }
    i++; // closing quote
    return value;
  };

  while (i < header.length) {
    skip(/[\s,]/);
    const scheme = readToken();
    if (scheme === "") {
      i++; // unparseable character: skip it rather than loop forever
      continue;
    }
    const challenge = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    challenges.push(challenge);
    // Parameters until the next challenge: a token that is not followed by "=".
    for (;;) {
      skip(/[\s,]/);
      const start = i;
      const name = readToken();
      if (name === "") break;
      skip(/\s/);
      if (header.charAt(i) !== "=") {
        i = start; // the next challenge's scheme
        break;
      }
      i++;
      // token68 ends in "=" padding: `Negotiate abc==`
      if (header.charAt(i) === "=" || i >= header.length || header.charAt(i) === ",") {
        while (header.charAt(i) === "=") i++;
        challenge.params.token68 = header.slice(start, i).trim();
        continue;
      }
      skip(/\s/);
      const value = header.charAt(i) === '"' ? readQuoted() : readToken();
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return challenges;
}

export interface RegistryAuthOptions {
  /** `host[:port]` of the registry, for messages. */
  readonly registry: string;
  readonly http: HttpClient;
  /**
   * The registry itself was given as plain HTTP (`--plain-http`). Only then may its token realm be
   * plain HTTP too: an `https` registry advertising an `http://` realm would have our credentials
   * and tokens cross the network in clear text.
   * @default false
   */
  readonly plainHttp?: boolean;
  /** OCI_USERNAME/OCI_PASSWORD/OCI_TOKEN may be sent here (registry-advice.ts); for messages. @default true */
  readonly environmentCredentials?: boolean;
  /** Called at most once, on first need. */
  readonly lookupCredentials: () => CredentialLookup;
  /** Injectable clock (ms) for token expiry. */
  readonly now?: () => number;
  /** OAuth2 `client_id` sent when exchanging an identity token. */
  readonly clientId?: string;
}

interface CachedToken {
  readonly authorization: string;
  readonly expiresAt: number;
}

/** Per-registry authentication state: which scheme the registry asked for, and cached tokens. */
export class RegistryAuth {
  private scheme: "unknown" | "basic" | "bearer" = "unknown";
  private bearer: { realm: string; service: string | undefined } | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests under way, by scope: requests sent at once (blobs uploaded in parallel) share one answer. */
  private readonly tokenRequests = new Map<string, Promise<CachedToken>>();
  private credentialLookup: CredentialLookup | undefined;
  private readonly now: () => number;

  constructor(private readonly options: RegistryAuthOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The header to send up front for `scopes`, once a challenge has told us the scheme. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    if (this.scheme === "basic") return this.basicAuthorization();
    if (this.scheme === "bearer") return this.bearerAuthorization(scopes, false);
    return undefined;
  }

  /**
   * Reacts to a 401. Returns the header to retry with, or undefined when retrying cannot help
   * (no credentials, credentials already rejected, or the token we just got lacks the scope).
   */
  async respondToChallenge(
    wwwAuthenticate: string | null,
    scopes: readonly string[],
    sentAuthorization: string | undefined,
  ): Promise<string | undefined> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate ?? "");
    const bearer = challenges.find((challenge) => challenge.scheme === "bearer");
    const basic = challenges.find((challenge) => challenge.scheme === "basic");
    if (bearer?.params.realm) {
      this.scheme = "bearer";
      this.bearer = { realm: bearer.params.realm, service: bearer.params.service };
      // A token we sent and that was refused only for lacking scope will not get more scope by asking again.
      if (sentAuthorization?.startsWith("Bearer ") && bearer.params.error === "insufficient_scope") return undefined;
      const wanted = bearer.params.scope ? mergeScopes(scopes, bearer.params.scope.split(" ")) : scopes;
      const authorization = await this.bearerAuthorization(wanted, true, scopes);
      return authorization === sentAuthorization ? undefined : authorization;
    }
    if (basic) {
      this.scheme = "basic";
      const authorization = this.basicAuthorization();
      return authorization === sentAuthorization ? undefined : authorization;
    }
    return undefined;
  }

  /** Where the credentials came from, or what was looked at: for 401 messages. */
  describeCredentials(): string {
    const lookup = this.lookup();
    if (lookup.credentials) return lookup.source ?? "credentials of unknown origin";
    if (lookup.note !== undefined) return lookup.note;
    return this.options.environmentCredentials === false
      ? `no credentials for ${this.options.registry} were found in docker config.json`
      : "no credentials were found in OCI_USERNAME/OCI_PASSWORD, OCI_TOKEN or docker config.json";
  }

  /** Why the credentials at hand cannot answer the registry's challenge, if that is the problem. */
  unusableCredentials(): string | undefined {
    const credentials = this.lookup().credentials;
    if (this.scheme === "basic" && credentials && !isBasicCredentials(credentials)) {
      return `the registry asks for a username and password (Basic authentication), but ${this.lookup().source ?? "the credentials"} cannot be used for that`;
    }
    return undefined;
  }

  hasCredentials(): boolean {
    return this.lookup().credentials !== undefined;
  }

  /** What the registry asked for so far: `basic`, `bearer`, or `unknown` before any challenge. */
  get challengeScheme(): "unknown" | "basic" | "bearer" {
    return this.scheme;
  }

  private lookup(): CredentialLookup {
    this.credentialLookup ??= this.options.lookupCredentials();
    return this.credentialLookup;
  }

  private basicAuthorization(): string | undefined {
    const credentials = this.lookup().credentials;
    if (!credentials || !isBasicCredentials(credentials)) return undefined;
    return basicHeader(credentials);
  }

  private async bearerAuthorization(
    scopes: readonly string[],
    refresh: boolean,
    cacheScopes: readonly string[] = scopes,
  ): Promise<string | undefined> {
    const credentials = this.lookup().credentials;
    // A pre-issued token is all we have: the realm cannot be asked for anything better.
    if (credentials && isBearerTokenCredentials(credentials)) return `Bearer ${credentials.token}`;
    const key = scopeKey(cacheScopes);
    const cached = this.tokens.get(key);
    if (!refresh && cached && cached.expiresAt > this.now()) return cached.authorization;
    const underWay = this.tokenRequests.get(key);
    if (!refresh && underWay) return (await underWay).authorization;
    const request = this.fetchToken(scopes);
    this.tokenRequests.set(key, request);
    try {
      const token = await request;
      this.tokens.set(key, token);
      return token.authorization;
    } finally {
      if (this.tokenRequests.get(key) === request) this.tokenRequests.delete(key);
    }
  }

  private async fetchToken(scopes: readonly string[]): Promise<CachedToken> {
    const bearer = this.bearer;
    if (!bearer) throw new Error("internal: no bearer challenge known");
    const credentials = this.lookup().credentials;
    const realm = new URL(bearer.realm);
    if (realm.protocol !== "https:" && realm.protocol !== "http:") {
      throw new TokenServiceError(0, bearer.realm, `registry ${this.options.registry} named an unusable token realm "${bearer.realm}"`);
    }
    if (realm.protocol === "http:" && !this.options.plainHttp) {
      throw new TokenServiceError(
        0,
        redactUrl(realm),
        `registry ${this.options.registry} is HTTPS but sends token requests to the plain-HTTP realm ${redactUrl(realm)}; ` +
          `refusing to send credentials or tokens in clear text (only a registry spoken to over plain HTTP may use a plain-HTTP realm)`,
      );
    }
    const requestedAt = this.now();
    let result;
    if (credentials && isIdentityTokenCredentials(credentials)) {
      // OAuth2 refresh-token grant, as docker does with an `identitytoken` from `docker login`.
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credentials.identityToken,
        client_id: this.options.clientId ?? "appliance-release-kit",
        scope: scopes.join(" "),
      });
      if (bearer.service !== undefined) form.set("service", bearer.service);
      result = await this.options.http.send({
        method: "POST",
        url: realm,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new TextEncoder().encode(form.toString()),
        retryable: true,
      });
    } else {
      if (bearer.service !== undefined) realm.searchParams.set("service", bearer.service);
      for (const scope of scopes) realm.searchParams.append("scope", scope);
      const headers: Record<string, string> = {};
      if (credentials && isBasicCredentials(credentials)) headers.Authorization = basicHeader(credentials);
      result = await this.options.http.send({ method: "GET", url: realm, headers });
    }

    const { response } = result;
    const realmForMessages = redactUrl(new URL(bearer.realm));
    if (response.status !== 200) {
      const detail = await readTextPrefix(response);
      const summary = summarizeErrorBody(detail);
      const who = credentials ? this.describeCredentials() : "anonymous access";
      throw new TokenServiceError(
        response.status,
        realmForMessages,
        response.status === 401 || response.status === 403
          ? `authentication failed for ${this.options.registry}: the token service ${realmForMessages} rejected ${who}${summary ? ` (${summary})` : ""}`
          : `token service ${realmForMessages} for ${this.options.registry} answered ${response.status}${summary ? `: ${summary}` : ""}`,
      );
    }
    let bytes: Uint8Array;
    try {
      // Bounded: a token answer is a few KiB, and the realm may be any host the registry names.
      bytes = await readBodyWithin(response, MAX_TOKEN_RESPONSE_BYTES, `the answer of token service ${realmForMessages}`);
    } catch (error) {
      throw new TokenServiceError(200, realmForMessages, (error as Error).message);
    }
    const { token, lifetimeSeconds } = parseTokenAnswer(bytes, realmForMessages);
    const lifetimeMs = lifetimeSeconds * 1000;
    // Renew a little early so a token does not expire between our check and the registry's.
    const margin = Math.min(10_000, lifetimeMs / 2);
    return { authorization: `Bearer ${token}`, expiresAt: requestedAt + lifetimeMs - margin };
  }
}

function basicHeader(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
}

function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(" ");
}

/**
 * Merges scopes per resource so that ours (`repository:x:pull,push`) and the registry's challenge
 * (`repository:x:pull`) become one `repository:x:pull,push` rather than two overlapping scopes.
 */
export function mergeScopes(...lists: readonly (readonly string[])[]): string[] {
  const merged = new Map<string, string[]>();
  const opaque: string[] = [];
  for (const scope of lists.flat()) {
    const last = scope.lastIndexOf(":");
    if (last <= 0 || scope.indexOf(":") === last) {
      if (scope !== "" && !opaque.includes(scope)) opaque.push(scope);
      continue;
    }
    const resource = scope.slice(0, last);
    const actions = merged.get(resource) ?? [];
    for (const action of scope.slice(last + 1).split(",")) if (action !== "" && !actions.includes(action)) actions.push(action);
    merged.set(resource, actions);
  }
  return [...[...merged].map(([resource, actions]) => `${resource}:${actions.join(",")}`), ...opaque];
}

/** The first human-readable part of an error body (distribution JSON or plain text), kept short. */
function summarizeErrorBody(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errors?: { message?: string }[]; details?: string; error?: string };
    const message = parsed.errors?.[0]?.message ?? parsed.details ?? parsed.error;
    if (typeof message === "string") return message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200);
}
