import S3rver from "s3rver";
import { tempDir } from "./temp-dir.js";

/** s3rver's built-in credentials; it checks every request's SigV4 signature against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  /** The OBJECT_STORE_* environment for this server and `bucket`. */
  env(bucket: string, isoKey?: string): Record<string, string>;
  close(): Promise<void>;
}

/** A real S3 API server (s3rver) on 127.0.0.1, random port, data in a temp directory; `buckets` exist. */
export async function startS3Server(buckets: readonly string[]): Promise<S3Server> {
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory: tempDir("ark-s3-"),
    silent: true,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    env: (bucket, isoKey = "appliance/current/alga-appliance.iso") => ({
      OBJECT_STORE_ENDPOINT: endpoint,
      OBJECT_STORE_REGION: "us-east-1",
      OBJECT_STORE_BUCKET: bucket,
      OBJECT_STORE_ACCESS_KEY: S3RVER_CREDENTIALS.accessKeyId,
      OBJECT_STORE_SECRET_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      APPLIANCE_ISO_KEY: isoKey,
    }),
    close: () => server.close(),
  };
}
