/**
 * A proxy in front of a test S3 store (127.0.0.1 only) that can hold, rewrite or answer requests
 * itself: the tests' handle on timing and faults without sleeps. Every exchange is recorded with
 * the client that sent it, told by the `app/<id>` part of the SDK's user agent (AWS_SDK_UA_APP_ID).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { seededRandom } from "./seeded-random.js";

export interface ProxiedS3Request {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** AWS_SDK_UA_APP_ID of the sending process, if set. */
  readonly client: string | undefined;
}

export interface ProxiedExchange extends ProxiedS3Request {
  status?: number;
}

/** What to do with a request: forward it (optionally with another body), or answer it here. */
export type ProxyDecision = { readonly forward: true; readonly body?: Buffer } | { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> };

export type ProxyRule = (request: ProxiedS3Request) => ProxyDecision | Promise<ProxyDecision>;

export interface S3Proxy {
  readonly url: string;
  readonly exchanges: ProxiedExchange[];
  close(): Promise<void>;
}

function clientOf(headers: IncomingHttpHeaders): string | undefined {
  const agent = `${headers["x-amz-user-agent"] ?? ""} ${headers["user-agent"] ?? ""}`;
  return /(?:^|\s)app\/([^\s]+)/.exec(agent)?.[1];
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export async function startS3Proxy(
  upstreamPort: number,
  rule: ProxyRule = () => ({ forward: true }),
  /** Called once each forwarded exchange is over (answered, or failed). */
  onForwarded?: (exchange: ProxiedExchange) => void,
): Promise<S3Proxy> {
  const exchanges: ProxiedExchange[] = [];
  const server = createServer(async (request, response) => {
    const body = await readBody(request).catch(() => undefined);
    if (body === undefined) return;
    const exchange: ProxiedExchange = { method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers, body, client: clientOf(request.headers) };
    exchanges.push(exchange);
    try {
      const decision = await rule(exchange);
      if (response.destroyed) return;
      if (!("forward" in decision)) {
        exchange.status = decision.status;
        response.writeHead(decision.status, { "content-type": "application/xml", ...decision.headers });
        response.end(decision.body ?? "");
        return;
      }
      const headers = { ...request.headers };
      delete headers["expect"];
      const forwarded = decision.body ?? body;
      if (decision.body) headers["content-length"] = String(forwarded.length);
      await new Promise<void>((resolve, reject) => {
        response.on("close", () => resolve());
        const upstream = httpRequest({ host: "127.0.0.1", port: upstreamPort, method: request.method, path: request.url, headers }, (answer) => {
          exchange.status = answer.statusCode;
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          answer.on("end", resolve);
          answer.on("error", reject);
        });
        upstream.on("error", reject);
        upstream.end(forwarded);
      }).finally(() => onForwarded?.(exchange));
    } catch {
      response.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serialises the store traffic of several processes into one seeded order: one request reaches the
 * store at a time, and only when every live process has a request waiting (or has ended), so the
 * seed alone picks whose step comes next. Each seed is one interleaving of the processes' steps,
 * reached by holding requests (latency), never by timing.
 */
export class RequestSequencer {
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly live: Set<string>;
  private busy = false;
  private readonly random: () => number;
  /** The order in which requests were let through: client ids. */
  readonly order: string[] = [];

  constructor(clients: readonly string[], seed: number) {
    this.live = new Set(clients);
    this.random = seededRandom(seed);
  }

  /** The proxy rule: holds the request until its turn, then forwards it. */
  readonly rule: ProxyRule = (request) =>
    new Promise<ProxyDecision>((resolve) => {
      const client = request.client ?? "unknown";
      const queue = this.waiting.get(client) ?? [];
      queue.push(() => resolve({ forward: true }));
      this.waiting.set(client, queue);
      this.dispatch();
    });

  /** Tells the sequencer a process ended (it will send nothing more). */
  ended(client: string): void {
    this.live.delete(client);
    this.dispatch();
  }

  /** Tells the sequencer the request it let through was answered. */
  answered(): void {
    this.busy = false;
    this.dispatch();
  }

  private dispatch(): void {
    if (this.busy) return;
    const ready = [...this.waiting].filter(([, queue]) => queue.length > 0).map(([client]) => client);
    if (ready.length === 0) return;
    if ([...this.live].some((client) => !ready.includes(client))) return;
    const client = ready.sort()[Math.floor(this.random() * ready.length)]!;
    this.busy = true;
    this.order.push(client);
    this.waiting.get(client)!.shift()!();
  }
}
