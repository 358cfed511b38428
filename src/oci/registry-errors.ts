/**
 * What a registry's refusals mean. The one status check of the client (`checkStatus`) turns any
 * answer that is not the expected one into a typed error: the distribution spec's error code,
 * whether asking again can help, and a message naming the registry, the action and the fix.
 */
import { z } from "zod";
import type { HttpConnectionError } from "./http-retries.js";
import { TARGET_REGISTRY_ADVICE, credentialsFix, refusedCredentialsFix, type RegistryAdvice } from "./registry-advice.js";
import { RETRYABLE_STATUSES } from "./http-retries.js";
import { readTextPrefix } from "./http-bodies.js";
import { redactUrl, type HttpResult } from "./http.js";
import { NotFoundError, type MissingContent } from "./not-found-error.js";

/**
 * The error codes of the OCI distribution spec (plus distribution's UNAVAILABLE and UNKNOWN), and
 * whether the same request may succeed later. Only rate limits and unavailability pass with time;
 * the rest need another request, other credentials or other content.
 */
const DISTRIBUTION_ERROR_CODES = {
  BLOB_UNKNOWN: { retryable: false },
  BLOB_UPLOAD_INVALID: { retryable: false },
  BLOB_UPLOAD_UNKNOWN: { retryable: false },
  DIGEST_INVALID: { retryable: false },
  MANIFEST_BLOB_UNKNOWN: { retryable: false },
  MANIFEST_INVALID: { retryable: false },
  MANIFEST_UNKNOWN: { retryable: false },
  NAME_INVALID: { retryable: false },
  NAME_UNKNOWN: { retryable: false },
  SIZE_INVALID: { retryable: false },
  UNAUTHORIZED: { retryable: false },
  DENIED: { retryable: false },
  UNSUPPORTED: { retryable: false },
  TOOMANYREQUESTS: { retryable: true },
  UNAVAILABLE: { retryable: true },
  UNKNOWN: { retryable: false },
} as const satisfies Record<string, { readonly retryable: boolean }>;

export type DistributionErrorCode = keyof typeof DISTRIBUTION_ERROR_CODES;

function isDistributionErrorCode(code: string): code is DistributionErrorCode {
  return Object.hasOwn(DISTRIBUTION_ERROR_CODES, code);
}

/** One entry of the distribution error body `{"errors":[{code,message,detail}]}`, as the registry sent it. */
export interface RegistryErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

const ErrorBody = z.object({
  errors: z.array(
    z.object({
      code: z.string().catch("UNKNOWN"),
      message: z.string().catch(""),
      detail: z.unknown().optional(),
    }).or(z.unknown().transform(() => undefined)),
  ),
});

/** The registry answered with an error status. `url` never contains credentials. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    readonly url: string,
    readonly errors: readonly RegistryErrorDetail[] = [],
  ) {
    super(message);
    this.name = "RegistryError";
  }

  /** The first distribution error code, e.g. `MANIFEST_UNKNOWN`; a code outside the spec is `UNKNOWN`. */
  get code(): DistributionErrorCode | undefined {
    return codeOf(this.errors);
  }

  /** Whether the same request may succeed later (a rate limit, an unavailable registry). */
  get retryable(): boolean {
    return isRetryable(this.status, this.code);
  }
}

/** A 404 for the manifest or blob asked for: the content model's NotFoundError, with what the registry said. */
export class RegistryNotFoundError extends NotFoundError {
  readonly status = 404;
  constructor(
    kind: MissingContent,
    reference: string,
    location: string,
    message: string,
    readonly method: string,
    readonly url: string,
    readonly errors: readonly RegistryErrorDetail[],
  ) {
    super(kind, reference, location, message);
  }

  get code(): DistributionErrorCode | undefined {
    return codeOf(this.errors);
  }
}

/** The registry could not be reached at all. */
export class RegistryUnreachableError extends Error {
  constructor(
    readonly registry: string,
    message: string,
    override readonly cause: HttpConnectionError,
  ) {
    super(message);
    this.name = "RegistryUnreachableError";
  }
}

function codeOf(errors: readonly RegistryErrorDetail[]): DistributionErrorCode | undefined {
  const code = errors[0]?.code;
  if (code === undefined) return undefined;
  return isDistributionErrorCode(code) ? code : "UNKNOWN";
}

function isRetryable(status: number, code: DistributionErrorCode | undefined): boolean {
  if (code !== undefined && code !== "UNKNOWN") return DISTRIBUTION_ERROR_CODES[code].retryable;
  return RETRYABLE_STATUSES.has(status);
}

/** What a request was trying to do, for the status check and its messages. */
export interface RequestContext {
  readonly method: string;
  /** e.g. `fetching manifest 1.0`, for messages. */
  readonly action: string;
  readonly repository?: string;
  readonly reference?: string;
  /** A 404 means this content is absent (a NotFoundError), not that the request went wrong. */
  readonly lookingFor?: MissingContent;
}

/** What the status check needs to know of the credentials, to name the fix for a 401 or 403. */
export interface CredentialsReport {
  hasCredentials(): boolean;
  describeCredentials(): string;
  unusableCredentials(): string | undefined;
}

/**
 * The one status check: `result` when its status is one of `expected`, otherwise the typed error
 * for it (the body read to a bound, for its distribution error code and message).
 */
export async function checkStatus(
  result: HttpResult,
  expected: readonly number[],
  context: RequestContext,
  registry: string,
  credentials: CredentialsReport,
  advice: RegistryAdvice = TARGET_REGISTRY_ADVICE,
): Promise<HttpResult> {
  if (expected.includes(result.response.status)) return result;
  throw await registryError(result, context, registry, credentials, advice);
}

/** Turns a non-success response into a typed error with a message a person can act on. */
async function registryError(
  result: HttpResult,
  context: RequestContext,
  registry: string,
  credentials: CredentialsReport,
  advice: RegistryAdvice,
): Promise<RegistryError | RegistryNotFoundError> {
  const { response } = result;
  const { method } = context;
  // Bounded: an error body is only for the message, and a hostile registry may send one without end.
  const text = method === "HEAD" ? "" : await readTextPrefix(response);
  const errors = parseDistributionErrors(text);
  const url = redactUrl(result.url);
  const first = errors[0];
  const registryMessage = first ? `${first.code}: ${first.message}${formatDetail(first.detail)}` : text.trim().slice(0, 200);
  const where = `${method} ${url} → ${response.status}`;
  const location = context.repository ? `${registry}/${context.repository}` : registry;
  let message: string;
  switch (response.status) {
    case 401:
      // Token registries answer 401 (not 403) when a valid token lacks the permission asked for.
      if (credentials.hasCredentials() && /insufficient_scope/.test(response.headers.get("www-authenticate") ?? "")) {
        message = `access denied by ${registry} while ${context.action}: ${credentials.describeCredentials()} do not grant the needed permission on ${location}${registryMessage ? ` (${registryMessage})` : ""}`;
        break;
      }
      if (credentials.unusableCredentials() !== undefined) {
        message = `authentication required for ${registry} while ${context.action}: ${credentials.unusableCredentials()}; ${credentialsFix(registry, advice)}`;
        break;
      }
      message = credentials.hasCredentials()
        ? `authentication failed for ${registry} while ${context.action}: the registry refused ${credentials.describeCredentials()}` +
          `${registryMessage ? ` (${registryMessage})` : ""}. ${refusedCredentialsFix(registry, advice)}`
        : `authentication required for ${registry} while ${context.action}: ${credentialsFix(registry, advice)}` +
          ` (${credentials.describeCredentials()})`;
      break;
    case 403:
      message = `access denied by ${registry} while ${context.action}${registryMessage ? ` (${registryMessage})` : ""}: ${credentials.describeCredentials()} lack permission for ${location}${advice.environmentCredentials ? "" : `; ${credentialsFix(registry, advice)}`}`;
      break;
    case 404:
      message = notFoundMessage(first?.code, location, context) + (registryMessage && !first ? ` (${registryMessage})` : "");
      if (context.lookingFor !== undefined && first?.code !== "BLOB_UPLOAD_UNKNOWN") {
        return new RegistryNotFoundError(context.lookingFor, context.reference ?? "", location, `${message} [${where}]`, method, url, errors);
      }
      break;
    default:
      message = `${registry} refused ${context.action}: ${registryMessage || `${response.status} ${response.statusText}`.trim()}`;
      if (result.attempts > 1) message += ` (after ${result.attempts} attempts)`;
  }
  return new RegistryError(`${message} [${where}]`, response.status, method, url, errors);
}

/** The `errors` of a distribution error body; none when the body is not one (HTML from a proxy, plain text). */
function parseDistributionErrors(text: string): RegistryErrorDetail[] {
  if (text.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success) return [];
  return parsed.data.errors.flatMap((entry) =>
    entry === undefined ? [] : [{ code: entry.code, message: entry.message, ...(entry.detail !== undefined ? { detail: entry.detail } : {}) }],
  );
}

function formatDetail(detail: unknown): string {
  if (detail === undefined || detail === null || detail === "") return "";
  const text = typeof detail === "string" ? detail : JSON.stringify(detail);
  if (text === "{}" || text === "[]") return "";
  return ` (${text.length > 300 ? `${text.slice(0, 300)}…` : text})`;
}

function notFoundMessage(code: string | undefined, location: string, context: RequestContext): string {
  switch (code) {
    case "MANIFEST_UNKNOWN":
      return `manifest ${context.reference ?? ""} not found in ${location}`.replace("  ", " ");
    case "NAME_UNKNOWN":
      return `repository ${location} not found`;
    case "BLOB_UNKNOWN":
      return `blob ${context.reference ?? ""} not found in ${location}`.replace("  ", " ");
    case "BLOB_UPLOAD_UNKNOWN":
      return `the upload session in ${location} is unknown or expired while ${context.action}`;
    default:
      return `not found while ${context.action} (${location})`;
  }
}
