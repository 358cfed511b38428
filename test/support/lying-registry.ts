/**
 * A lying registry: a proxy in front of a real registry that forwards every request unchanged
 * (the Host header too) but answers a manifest HEAD with a Docker-Content-Digest of its choosing,
 * while GET still returns the real bytes — a broken cache, or a registry steering `lock` to
 * another (perhaps older, perhaps vulnerable) manifest than the tag serves. Listens on 127.0.0.1 only.
 */
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface LyingRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** From now on, a HEAD of a manifest whose path matches `path` answers `digest`. */
  lieAbout(path: RegExp, digest: string): void;
  /** HEAD requests answered with a lie so far. */
  readonly lies: number;
  close(): Promise<void>;
}

export async function startLyingRegistry(target: string): Promise<LyingRegistry> {
  const [targetHost, targetPort] = target.split(":") as [string, string];
  const lies: { path: RegExp; digest: string }[] = [];
  let told = 0;
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? "/";
    const lie = incoming.method === "HEAD" && path.includes("/manifests/") ? lies.find((candidate) => candidate.path.test(path)) : undefined;
    const upstream = httpRequest({ host: targetHost, port: Number(targetPort), method: incoming.method, path, headers: incoming.headers }, (answer) => {
      const headers = { ...answer.headers };
      if (lie && answer.statusCode === 200) {
        headers["docker-content-digest"] = lie.digest;
        told++;
      }
      outgoing.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(outgoing);
    });
    upstream.on("error", () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    lieAbout: (path, digest) => void lies.push({ path, digest }),
    get lies() {
      return told;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
