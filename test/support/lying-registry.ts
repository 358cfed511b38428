/**
 * A registry that lies: an HTTP proxy in front of a real docker-registry that forwards everything
 * unchanged except the requests a test chose, which it answers itself (any status, headers and
 * body: a 500, a page that is not JSON, a manifest other than the one the tag holds). Listens on
 * 127.0.0.1 only; every request is recorded. `lieAbout` is the quieter lie: a manifest HEAD answered
 * with a Docker-Content-Digest of the test's choosing while GET still returns the real bytes (a
 * broken cache, or a registry steering `lock` to another manifest than the tag serves).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Lie {
  readonly method?: string;
  /** Tested against the path (with query). */
  readonly path: RegExp;
  /** The answer given instead of the registry's. */
  answer(request: { method: string; path: string; body: Buffer }): { status: number; headers?: Record<string, string>; body?: string | Uint8Array };
  /** Matching requests to answer; later ones pass through. Default: all. */
  times?: number;
}

export interface LyingRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly requests: { method: string; path: string; lied: boolean }[];
  lie(lie: Lie): void;
  /** From now on, a HEAD of a manifest whose path matches `path` answers `digest` (passed through otherwise). */
  lieAbout(path: RegExp, digest: string): void;
  /** HEAD requests answered with a `lieAbout` digest so far. */
  readonly lies: number;
  clear(): void;
  close(): Promise<void>;
}

export async function startLyingRegistry(target: string): Promise<LyingRegistry> {
  const [targetHost, targetPort] = target.split(":") as [string, string];
  const lies: Lie[] = [];
  const digestLies: { path: RegExp; digest: string }[] = [];
  let told = 0;
  const requests: LyingRegistry["requests"] = [];
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    const method = incoming.method ?? "GET";
    const path = incoming.url ?? "/";
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const lie = lies.find((candidate) => (candidate.times ?? Infinity) > 0 && (candidate.method === undefined || candidate.method === method) && candidate.path.test(path));
      requests.push({ method, path, lied: lie !== undefined });
      if (lie) {
        if (lie.times !== undefined) lie.times--;
        const answer = lie.answer({ method, path, body });
        const data = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(answer.body);
        outgoing.writeHead(answer.status, { "Content-Length": String(data.byteLength), ...answer.headers });
        outgoing.end(method === "HEAD" ? undefined : data);
        return;
      }
      const digestLie = method === "HEAD" && path.includes("/manifests/") ? digestLies.find((candidate) => candidate.path.test(path)) : undefined;
      const upstream = httpRequest({ host: targetHost, port: Number(targetPort), method, path, headers: incoming.headers as IncomingHttpHeaders }, (answer) => {
        const headers = { ...answer.headers };
        if (digestLie && answer.statusCode === 200) {
          headers["docker-content-digest"] = digestLie.digest;
          told++;
        }
        outgoing.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(outgoing);
      });
      upstream.on("error", () => outgoing.destroy());
      upstream.end(body);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    lie: (lie) => lies.push(lie),
    lieAbout: (path, digest) => void digestLies.push({ path, digest }),
    get lies() {
      return told;
    },
    clear: () => {
      lies.splice(0);
      digestLies.splice(0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
