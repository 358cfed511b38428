/**
 * How the status service runs in its container: one contract read by the image the kit builds
 * (src/image, `npm run image`) and by the Deployment that runs it (constructs/status-service.ts),
 * so the two cannot disagree on user, port or paths.
 */
export const STATUS_CONTAINER = {
  /** Non-root, as distroless images' `nonroot` user: owns the application files, runs the process. */
  uid: 65532,
  gid: 65532,
  /** Beside the control plane's 8080, never on it. */
  port: 8090,
  /** Working directory and home of the application layer. */
  workingDir: "/app",
  /** The bundled service (one CommonJS file, npm packages included), run by the base image's node. */
  script: "/app/status-service.cjs",
  /** Where the token Secret is mounted (key `token`). */
  tokenDirectory: "/var/run/appliance-status/token",
  tokenFile: "/var/run/appliance-status/token/token",
  /** The only writable path (an emptyDir): the root filesystem is read-only. */
  scratchDirectory: "/tmp",
  /** Seconds between two reads of the cluster. */
  refreshSeconds: 15,
} as const;

/** The service's arguments in the cluster: the image's default command, and the Deployment's args. */
export function statusServiceArgs(options: { port?: number; refreshSeconds?: number } = {}): string[] {
  return [
    "--port",
    String(options.port ?? STATUS_CONTAINER.port),
    "--host",
    "0.0.0.0",
    "--token-file",
    STATUS_CONTAINER.tokenFile,
    "--interval",
    String(options.refreshSeconds ?? STATUS_CONTAINER.refreshSeconds),
  ];
}
