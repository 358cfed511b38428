/**
 * A fault-injecting HTTP proxy in front of a real registry, for tests of what a flaky network
 * does: it forwards every request to the target unchanged (the Host header too, so the registry's
 * Location URLs point back through the proxy) and lets a test break chosen exchanges — reset the
 * connection before or after the registry saw the request, answer 503 after the registry stored
 * it, cut a body in the middle, never answer, or hold one answer until a rival request is done.
 * Listens on 127.0.0.1 only. Every request is recorded, so a test can count them.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  /** Status answered to the client; undefined when the fault left none. */
  status?: number;
  /** Name of the fault applied, if any. */
  fault?: FaultKind;
  /** Position of the request's arrival, and of its answer, on one counter: orders requests against answers. */
  readonly arrived: number;
  answered?: number;
}

export type FaultKind =
  /** Destroy the client connection without forwarding. */
  | "reset-before"
  /** Forward, let the registry answer, then destroy the client connection instead of answering. */
  | "reset-after"
  /** Forward, let the registry answer, then answer 503 instead. */
  | "503-after"
  /** Forward, let the registry answer, then answer 400 BLOB_UPLOAD_INVALID instead (a middlebox or registry that words a lost session so). */
  | "400-upload-invalid-after"
  /** Forward, send the headers and half the body, then destroy the connection. */
  | "reset-mid-body"
  /** Never answer (the connection stays open until the proxy closes). */
  | "hang"
  /** Forward, but hold the answer until the next request matching the same rule has been answered (or `holdMs`). */
  | "hold-until-rival";

export interface FaultRule {
  readonly method?: string;
  /** Tested against the path (with query). */
  readonly path: RegExp;
  readonly fault: FaultKind;
  /** Matching requests to break; later ones pass. Default 1. */
  times?: number;
  /** For `hold-until-rival`: the longest hold. Default 15 s. */
  readonly holdMs?: number;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly requests: ProxiedRequest[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  close(): Promise<void>;
}

interface PendingHold {
  readonly rule: FaultRule;
  release(): void;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(":") as [string, string];
  const rules: FaultRule[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const holds: PendingHold[] = [];
  let events = 0;

  const server = createServer((incoming, outgoing) => {
    const record: ProxiedRequest = { method: incoming.method ?? "GET", path: incoming.url ?? "/", arrived: ++events };
    requests.push(record);
    const rule = rules.find(
      (candidate) =>
        (candidate.times ?? 1) > 0 && (candidate.method === undefined || candidate.method === record.method) && candidate.path.test(record.path),
    );
    // A request that completes while another with the same rule is held releases it.
    const rival = holds.find((hold) => hold.rule.path.test(record.path) && (hold.rule.method === undefined || hold.rule.method === record.method));
    if (rule) {
      rule.times = (rule.times ?? 1) - 1;
      record.fault = rule.fault;
    }
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      if (rule?.fault === "reset-before") return incoming.socket.destroy();
      if (rule?.fault === "hang") return;
      forward(incoming, Buffer.concat(chunks), (upstream, body) => {
        const answer = () => {
          // Counted before a byte of the answer leaves, so nothing the client sends after it can count lower.
          record.answered = ++events;
          record.status = upstream.statusCode;
          switch (rule?.fault) {
            case "reset-after":
              record.status = undefined;
              return incoming.socket.destroy();
            case "400-upload-invalid-after":
              record.status = 400;
              outgoing.writeHead(400, { "Content-Type": "application/json" });
              return outgoing.end(JSON.stringify({ errors: [{ code: "BLOB_UPLOAD_INVALID", message: "blob upload invalid" }] }));
            case "503-after":
              record.status = 503;
              outgoing.writeHead(503, { "Content-Type": "text/plain" });
              return outgoing.end("injected: service unavailable");
            case "reset-mid-body": {
              outgoing.writeHead(upstream.statusCode ?? 502, upstream.headers);
              outgoing.write(body.subarray(0, Math.floor(body.byteLength / 2)));
              // Let the half body reach the client before the connection dies.
              setTimeout(() => incoming.socket.destroy(), 50);
              return;
            }
            default:
              outgoing.writeHead(upstream.statusCode ?? 502, upstream.headers);
              outgoing.end(body);
          }
        };
        if (rule?.fault === "hold-until-rival") {
          const hold: PendingHold = {
            rule,
            release: () => {
              clearTimeout(timer);
              holds.splice(holds.indexOf(hold), 1);
              answer();
            },
          };
          const timer = setTimeout(hold.release, rule.holdMs ?? 15_000);
          holds.push(hold);
          return;
        }
        answer();
        if (rival) outgoing.on("finish", () => rival.release());
      }, outgoing);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function forward(incoming: IncomingMessage, body: Buffer, done: (upstream: IncomingMessage, body: Buffer) => void, outgoing: ServerResponse): void {
    const upstreamRequest = httpRequest(
      { host: targetHost, port: Number(targetPort), method: incoming.method, path: incoming.url, headers: incoming.headers },
      (upstream) => {
        const parts: Buffer[] = [];
        upstream.on("data", (chunk: Buffer) => parts.push(chunk));
        upstream.on("end", () => done(upstream, Buffer.concat(parts)));
      },
    );
    upstreamRequest.on("error", () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    upstreamRequest.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    addRule: (rule) => rules.push({ ...rule }),
    clearRules: () => void rules.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const hold of [...holds]) hold.release();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
