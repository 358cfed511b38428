/**
 * Requests to one registry as the distribution API wants them: authenticated (the header known for
 * the scopes up front, one retry after a 401 challenge; see auth.ts), credentials never sent to
 * another origin, connection failures named with a hint, and every answer passed through the one
 * status check of registry-errors.ts.
 */
import { RegistryAuth } from "./auth.js";
import { TokenServiceError } from "./token-answer.js";
import type { CredentialLookup } from "./credentials.js";
import { discard } from "./http-bodies.js";
import { HttpConnectionError } from "./http-retries.js";
import { REDIRECT_LOOP, TOO_MANY_REDIRECTS } from "./http-redirects.js";
import { TARGET_REGISTRY_ADVICE, refusedCredentialsFix, type RegistryAdvice } from "./registry-advice.js";
import { redactUrl, type HttpClient, type HttpResult } from "./http.js";
import { RegistryError, RegistryUnreachableError, checkStatus, type RequestContext } from "./registry-errors.js";

export interface RegistryRequest {
  readonly method: string;
  readonly url: URL;
  readonly scopes: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly retryable?: boolean;
}

export class RegistryTransport {
  /** `http(s)://host[:port]` */
  readonly baseUrl: URL;
  private readonly auth: RegistryAuth;

  constructor(
    /** `host[:port]`. */
    readonly registry: string,
    readonly plainHttp: boolean,
    readonly http: HttpClient,
    lookupCredentials: () => CredentialLookup,
    /** Which credential sources and flags messages may name (registry-advice.ts). */
    readonly advice: RegistryAdvice = TARGET_REGISTRY_ADVICE,
  ) {
    this.baseUrl = new URL(`${plainHttp ? "http" : "https"}://${registry}`);
    this.auth = new RegistryAuth({ registry, http, plainHttp, lookupCredentials, environmentCredentials: advice.environmentCredentials });
  }

  /** Sends `request` with authentication and checks that its status is one of `expected`. */
  async expect(request: RegistryRequest, expected: readonly number[], context: Omit<RequestContext, "method">): Promise<HttpResult> {
    return this.check(await this.send(request), expected, { ...context, method: request.method });
  }

  /** The one status check (see registry-errors.ts), for an answer the caller has looked at first. */
  check(result: HttpResult, expected: readonly number[], context: RequestContext): Promise<HttpResult> {
    return checkStatus(result, expected, context, this.registry, this.auth, this.advice);
  }

  /** Sends `request` with authentication; any status is returned. */
  async send(request: RegistryRequest, authenticate = true): Promise<HttpResult> {
    const mayAuthenticate = authenticate && request.url.origin === this.baseUrl.origin;
    const authorization = mayAuthenticate ? await this.withAuthErrors(() => this.auth.authorization(request.scopes)) : undefined;
    const result = await this.refuseForeignChallenge(request, await this.sendOnce(request, authorization));
    if (result.response.status !== 401 || !mayAuthenticate) return result;
    const challenge = result.response.headers.get("www-authenticate");
    const retryWith = await this.withAuthErrors(() => this.auth.respondToChallenge(challenge, request.scopes, authorization));
    if (retryWith === undefined) return result;
    await discard(result.response);
    return this.refuseForeignChallenge(request, await this.sendOnce(request, retryWith));
  }

  /**
   * A redirect target (object storage, a CDN, or a hostile host) that asks for credentials gets
   * none: ours belong to the registry alone, so its challenge is not answered, whatever realm it names.
   */
  private async refuseForeignChallenge(request: RegistryRequest, result: HttpResult): Promise<HttpResult> {
    if (result.response.status !== 401 || result.url.origin === this.baseUrl.origin) return result;
    await discard(result.response);
    throw new RegistryError(
      `${result.url.host} asked for authentication after ${this.registry} redirected ${request.method} ${redactUrl(request.url)} there; ` +
        `credentials for ${this.registry} are never sent to another host, so the request fails [${request.method} ${redactUrl(result.url)} → 401]`,
      401,
      request.method,
      redactUrl(result.url),
    );
  }

  private async sendOnce(request: RegistryRequest, authorization: string | undefined): Promise<HttpResult> {
    const headers: Record<string, string> = { ...request.headers };
    if (authorization !== undefined) headers.Authorization = authorization;
    try {
      return await this.http.send({
        method: request.method,
        url: request.url,
        headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.retryable !== undefined ? { retryable: request.retryable } : {}),
      });
    } catch (error) {
      if (error instanceof HttpConnectionError) throw this.unreachable(error);
      throw error;
    }
  }

  private async withAuthErrors<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TokenServiceError) {
        const hint =
          error.status === 401 || error.status === 403
            ? `. ${refusedCredentialsFix(this.registry, this.advice)}`
            : "";
        throw new RegistryError(`${error.message}${hint}`, error.status || 401, "GET", error.realm);
      }
      if (error instanceof HttpConnectionError) throw this.unreachable(error);
      throw error;
    }
  }

  private unreachable(error: HttpConnectionError): RegistryUnreachableError {
    const text = `${error.code ?? ""} ${error.detail}`;
    let hint: string;
    if (error.code === REDIRECT_LOOP || error.code === TOO_MANY_REDIRECTS) {
      // The registry answers, but only with redirects: no host, port or scheme change helps.
      hint = "; the registry (or a proxy in front of it) redirects without end: check its configuration";
    } else if (!this.advice.plainHttpFlag) {
      // The scheme is not the user's choice here (loopback registries are plain HTTP, all others HTTPS).
      hint = /SSL|TLS|EPROTO|CERT/i.test(text)
        ? `; the TLS handshake failed (${this.registry} is spoken to over ${this.plainHttp ? "plain HTTP" : "HTTPS"}, and must serve it)`
        : "; check the host and port, and the network";
    } else if (!this.plainHttp) {
      hint = /SSL|TLS|EPROTO|CERT/i.test(text)
        ? "; the TLS handshake failed, so it may serve plain HTTP: try --plain-http"
        : "; check the host and port (if it serves plain HTTP, use --plain-http)";
    } else {
      hint = /ECONNRESET|socket|closed/i.test(text) ? "; it may expect HTTPS: try without --plain-http" : "; check the host and port";
    }
    return new RegistryUnreachableError(this.registry, `cannot reach registry ${this.registry}: ${error.message}${hint}`, error);
  }
}
