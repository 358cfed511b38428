import { UserError } from "../errors.js";
import type { ObjectStoreEnvironment } from "./object-store-env.js";

/** S3 error codes a bodiless answer (HEAD, some proxies) stands for, by HTTP status. */
const CODE_BY_STATUS: Record<number, string> = {
  301: "PermanentRedirect",
  400: "BadRequest",
  403: "AccessDenied",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "ConditionalRequestConflict",
  412: "PreconditionFailed",
  500: "InternalError",
  501: "NotImplemented",
  502: "BadGateway",
  503: "ServiceUnavailable",
};

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "EPIPE"]);

interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: string;
  readonly message?: string;
  readonly cause?: { readonly code?: string };
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * The S3 error code of a failed request: the store's own `<Code>`, else (a bodiless answer, which the
 * SDK calls "UnknownError") the code its HTTP status stands for, else the network error code.
 */
function s3ErrorCode(error: unknown): { code: string; status?: number } {
  const failure = (error ?? {}) as SdkError;
  const status = failure.$metadata?.httpStatusCode;
  const network = failure.code ?? failure.cause?.code;
  if (network && NETWORK_CODES.has(network)) return { code: network };
  const named = failure.Code ?? failure.name;
  if (named && !["UnknownError", "Unknown", "Error"].includes(named) && !/^\d+$/.test(named)) return { code: named, ...(status ? { status } : {}) };
  if (status !== undefined) return { code: CODE_BY_STATUS[status] ?? `HTTP${status}`, status };
  return { code: network ?? "NetworkError" };
}

/** Whether a write failed because its If-Match / If-None-Match precondition did not hold. */
export function isPreconditionFailure(error: unknown): boolean {
  const { code, status } = s3ErrorCode(error);
  return code === "PreconditionFailed" || code === "ConditionalRequestConflict" || status === 412 || status === 409;
}

function fixFor(code: string, env: ObjectStoreEnvironment): string {
  switch (code) {
    case "NoSuchBucket":
      return `the bucket does not exist: create it (pulumi up) or fix OBJECT_STORE_BUCKET`;
    case "AccessDenied":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
    case "Forbidden":
    case "InvalidToken":
    case "ExpiredToken":
      return "check OBJECT_STORE_ACCESS_KEY/OBJECT_STORE_SECRET_KEY: publishing needs a key that may list, write, tag and abort uploads under the ISO prefix (`pulumi stack output --show-secrets isoPublisherAccessKey`), not the license service's read-only key";
    case "RequestTimeTooSkewed":
      return "this machine's clock is off: sync it (timedatectl / NTP) and publish again";
    case "AuthorizationHeaderMalformed":
    case "IllegalLocationConstraintException":
      return `the store expects another region: fix OBJECT_STORE_REGION (now ${env.OBJECT_STORE_REGION})`;
    case "PermanentRedirect":
      return `the bucket lives at another endpoint or region: fix OBJECT_STORE_ENDPOINT / OBJECT_STORE_REGION`;
    case "NotImplemented":
    case "MethodNotAllowed":
      return "the store does not implement this S3 operation: use an S3-compatible store that does (MinIO, AWS S3, Ceph RGW)";
    case "SlowDown":
    case "ServiceUnavailable":
    case "InternalError":
    case "BadGateway":
      return "the store is failing or overloaded: publish again later (nothing became current)";
    case "EntityTooSmall":
      return "a part was below the store's minimum: raise --part-size-mib";
    default:
      return NETWORK_CODES.has(code) || code === "NetworkError"
        ? `the store is unreachable: check OBJECT_STORE_ENDPOINT (now ${env.OBJECT_STORE_ENDPOINT}) and the network`
        : "see the store's documentation for this code";
  }
}

/** An S3 failure in words a release engineer can act on: what was done, the object, the store, the S3 code and the fix. */
export function storeError(action: string, env: ObjectStoreEnvironment, key: string, error: unknown): UserError {
  const { code, status } = s3ErrorCode(error);
  const where = `s3://${env.OBJECT_STORE_BUCKET}/${key} at ${env.OBJECT_STORE_ENDPOINT}`;
  const message = (error as SdkError).message && (error as SdkError).message !== "UnknownError" ? `: ${(error as SdkError).message}` : "";
  return new UserError(`${action} ${where} failed: ${code}${status ? ` (HTTP ${status})` : ""}${message}; fix: ${fixFor(code, env)}`, { s3ErrorCode: code });
}

/** Runs one store request, turning an SDK failure into storeError. */
export async function attempt<T>(action: string, env: ObjectStoreEnvironment, key: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UserError || (error as Error).name === "AbortError") throw error;
    throw storeError(action, env, key, error);
  }
}
