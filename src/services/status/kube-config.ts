import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";

/** Where and how to reach the API server; credentials are read again on every refresh. */
export interface KubeAccess {
  readonly server: URL;
  /** TLS material, read when the access is loaded (a CA and client certificate rotate with a restart). */
  readonly tls: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly rejectUnauthorized: boolean };
  /** The bearer token now: a token file is re-read each time (the kubelet rotates projected service-account tokens). */
  token(): string | undefined;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

interface Named<T> {
  name?: string;
  cluster?: T;
  user?: T;
  context?: T;
}

/**
 * Reads a kubeconfig (or the in-cluster service account) into what the status service needs to
 * list: server, CA, client certificate, bearer token or token file. A small reader instead of
 * @kubernetes/client-node, whose models cost the status process over 100 MB of memory.
 * Exec and auth-provider plugins other than a token file are refused with what to use instead.
 */
export function loadKubeAccess(options: { kubeconfig?: string; env?: NodeJS.ProcessEnv } = {}): KubeAccess {
  const env = options.env ?? process.env;
  if (!options.kubeconfig && env["KUBERNETES_SERVICE_HOST"]) {
    const host = env["KUBERNETES_SERVICE_HOST"]!;
    const port = env["KUBERNETES_SERVICE_PORT"] ?? "443";
    const tokenFile = join(SERVICE_ACCOUNT, "token");
    return {
      server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`),
      tls: { ca: readFileSync(join(SERVICE_ACCOUNT, "ca.crt")), rejectUnauthorized: true },
      token: () => readFileSync(tokenFile, "utf8").trim(),
    };
  }
  const file = options.kubeconfig ?? env["KUBECONFIG"]?.split(":")[0] ?? join(homedir(), ".kube", "config");
  const document = parse(readFileSync(file, "utf8")) as {
    "current-context"?: string;
    contexts?: Named<{ cluster?: string; user?: string }>[];
    clusters?: Named<Record<string, string | boolean | undefined>>[];
    users?: Named<Record<string, any>>[];
  } | null;
  const fail = (field: string, what: string): never => {
    throw new Error(`${file}: ${field}: ${what}`);
  };
  const contextName = document?.["current-context"] ?? fail("current-context", "missing; set it with kubectl config use-context");
  const context = document?.contexts?.find((c) => c.name === contextName)?.context ?? fail(`contexts[${contextName}]`, "not found");
  const cluster = document?.clusters?.find((c) => c.name === context.cluster)?.cluster ?? fail(`clusters[${context.cluster}]`, "not found");
  const user = document?.users?.find((u) => u.name === context.user)?.user ?? {};
  const relative = (path: string) => (isAbsolute(path) ? path : join(dirname(file), path));
  const material = (data: unknown, path: unknown): Buffer | undefined =>
    typeof data === "string" ? Buffer.from(data, "base64") : typeof path === "string" ? readFileSync(relative(path)) : undefined;
  const server = typeof cluster["server"] === "string" ? new URL(cluster["server"]) : fail(`clusters[${context.cluster}].server`, "missing");
  if (user["exec"] || (user["auth-provider"] && !user["auth-provider"]?.config?.tokenFile)) {
    fail(`users[${context.user}]`, "exec and auth-provider plugins are not supported by the status service; give it a token, a tokenFile or a client certificate");
  }
  const tokenFile = (user["tokenFile"] ?? user["auth-provider"]?.config?.tokenFile) as string | undefined;
  const token = typeof user["token"] === "string" ? (user["token"] as string) : undefined;
  const ca = material(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  const cert = material(user["client-certificate-data"], user["client-certificate"]);
  const key = material(user["client-key-data"], user["client-key"]);
  return {
    server,
    tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true },
    token: () => (token ?? (tokenFile ? readFileSync(relative(tokenFile), "utf8").trim() : undefined)),
  };
}
