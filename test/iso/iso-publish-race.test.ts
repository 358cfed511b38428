import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "../support/run-cli.js";
import { RequestSequencer, startS3Proxy, type ProxiedExchange } from "../support/s3-proxy.js";
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from "../support/s3-server.js";
import { tempDir } from "../support/temp-dir.js";

// Point 1 of issue 16: two real `iso-publish` processes, 1.0.0 and 1.0.1, whose requests a proxy
// lets through to the store one at a time in an order drawn from a seed: 20 interleavings per kind
// of store. The current key must end at 1.0.1 whatever the order, and each run must say truly what
// the current key holds when it ends.
const INTERLEAVINGS = 20;
const CURRENT = "appliance/current/alga-appliance.iso";
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

const dir = tempDir();
const isos = Object.fromEntries(
  ["1.0.0", "1.0.1"].map((version) => {
    const data = randomBytes(64 * 1024);
    const path = join(dir, `alga-appliance-ubuntu-${version}.iso`);
    writeFileSync(path, data);
    return [version, { path, data, sha256: sha256(data) }];
  }),
) as Record<"1.0.0" | "1.0.1", { path: string; data: Buffer; sha256: string }>;

interface Report {
  ok: boolean;
  current: { version?: string; sha256?: string };
  isCurrent: boolean;
  urlKey: string;
  url: string;
  concurrencyControl: string;
}

/** Versions the successful copies to the current key made current, in the order the store took them. */
function copiesToCurrent(exchanges: readonly ProxiedExchange[]): string[] {
  return exchanges
    .filter((exchange) => exchange.method === "PUT" && exchange.url.split("?")[0]!.endsWith(CURRENT) && exchange.headers["x-amz-copy-source"] && exchange.status === 200)
    .map((exchange) => /appliance\/([^/]+)\//.exec(decodeURIComponent(String(exchange.headers["x-amz-copy-source"])))![1]!);
}

for (const conditionalWrites of [false, true]) {
  describe(`two concurrent publishes on ${conditionalWrites ? "a store with conditional writes (If-Match/If-None-Match)" : "a store without conditional writes (s3rver): re-check and converge"}`, { timeout: 240_000 }, () => {
    let s3: S3Server;
    let client: S3Client;
    const orders: string[] = [];
    let regressions = 0;

    beforeAll(async () => {
      s3 = await startS3Server([], { conditionalWrites });
      client = new S3Client({ endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    });
    afterAll(async () => {
      client?.destroy();
      await s3?.close();
    });

    it.each(Array.from({ length: INTERLEAVINGS }, (_, seed) => seed + 1))("interleaving %i: the current key ends at 1.0.1 and each run reports it truly", async (seed) => {
      const bucket = `race-${seed}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const sequencer = new RequestSequencer(["publish-1.0.0", "publish-1.0.1"], seed);
      const proxy = await startS3Proxy(s3.port, sequencer.rule, () => sequencer.answered());
      try {
        const ended: string[] = [];
        const runs = (["1.0.0", "1.0.1"] as const).map((version) => {
          const id = `publish-${version}`;
          const { done } = spawnCli("iso-publish", ["--file", isos[version].path, "--json"], {
            env: { ...s3.env(bucket), OBJECT_STORE_ENDPOINT: proxy.url, AWS_SDK_UA_APP_ID: id },
          });
          return done.then((result) => {
            ended.push(version);
            sequencer.ended(id);
            return result;
          });
        });
        const [older, newer] = await Promise.all(runs);
        expect(older!.code, older!.stdout + older!.stderr).toBe(0);
        expect(newer!.code, newer!.stdout + newer!.stderr).toBe(0);
        orders.push(sequencer.order.map((id) => id.slice(-1)).join(""));

        // The store: 1.0.1 is current, and the .sha256 beside it agrees.
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: CURRENT }));
        expect(head.Metadata).toMatchObject({ "alga-iso-version": "1.0.1", sha256: isos["1.0.1"].sha256 });
        const checksum = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${CURRENT}.sha256` }));
        expect(await checksum.Body!.transformToString()).toBe(`${isos["1.0.1"].sha256}  alga-appliance.iso\n`);

        const newerReport = JSON.parse(newer!.stdout) as Report;
        const olderReport = JSON.parse(older!.stdout) as Report;
        expect(newerReport.concurrencyControl).toBe(conditionalWrites ? "conditional" : "re-check");
        // 1.0.1 is the highest version: its run always ends with it current, and its URL serves it.
        expect(newerReport).toMatchObject({ isCurrent: true, current: { version: "1.0.1", sha256: isos["1.0.1"].sha256 }, urlKey: CURRENT });
        expect(sha256(new Uint8Array(await (await fetch(newerReport.url)).arrayBuffer()))).toBe(isos["1.0.1"].sha256);
        // 1.0.0's run says what it saw last: 1.0.1 current (its URL then serves 1.0.0 from its
        // versioned key), or 1.0.0 current only when it ended before the 1.0.1 run did.
        if (olderReport.current.version === "1.0.1") {
          expect(olderReport).toMatchObject({ isCurrent: false, urlKey: "appliance/1.0.0/alga-appliance.iso" });
          expect(sha256(new Uint8Array(await (await fetch(olderReport.url)).arrayBuffer()))).toBe(isos["1.0.0"].sha256);
        } else {
          expect(olderReport).toMatchObject({ isCurrent: true, current: { version: "1.0.0", sha256: isos["1.0.0"].sha256 } });
          expect(ended).toEqual(["1.0.0", "1.0.1"]);
        }

        const copies = copiesToCurrent(proxy.exchanges);
        const wentBack = copies.some((version, index) => index > 0 && version === "1.0.0" && copies.slice(0, index).includes("1.0.1"));
        if (wentBack) regressions++;
        // With conditional writes every copy names the state it was decided on: the key never goes back, not even for a moment.
        if (conditionalWrites) expect(copies, copies.join(" -> ")).not.toSatisfy(() => wentBack);
      } finally {
        await proxy.close();
      }
    });

    it("the seeds drew different interleavings", () => {
      expect(orders).toHaveLength(INTERLEAVINGS);
      expect(new Set(orders).size).toBeGreaterThanOrEqual(INTERLEAVINGS / 2);
      if (conditionalWrites) expect(regressions).toBe(0);
    });
  });
}
