import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, openSync, closeSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import S3rver from "s3rver";
import { publishIso } from "../src/distribution/publish-iso.js";
import { printTimings, timeFunction, type Timing } from "./timings.js";

const ISO_BYTES = 200 * 1024 * 1024;

/** A file of random bytes, written in 8 MiB slices so the generator never holds the whole file. */
function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, "w");
  try {
    for (let written = 0; written < bytes; written += 8 * 1024 * 1024) writeSync(fd, randomBytes(Math.min(8 * 1024 * 1024, bytes - written)));
  } finally {
    closeSync(fd);
  }
}

const mibPerSecond = (timing: Timing) => `${(ISO_BYTES / 1024 ** 2 / (timing.medianMs / 1000)).toFixed(1)} MiB/s`;

/** Publishing a 200 MB ISO to a local S3 API server (s3rver), beside a plain copy of the same file. */
export async function benchIsoPublish(runs: number): Promise<Timing[]> {
  const work = mkdtempSync(join(tmpdir(), "ark-bench-iso-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory: join(work, "s3"), silent: true, vhostBuckets: false, configureBuckets: [{ name: "isos" }] });
  const { port } = await server.run();
  try {
    const iso = join(work, "alga-appliance.iso");
    writeRandomFile(iso, ISO_BYTES);
    const env = {
      OBJECT_STORE_ENDPOINT: `http://127.0.0.1:${port}`,
      OBJECT_STORE_REGION: "us-east-1",
      OBJECT_STORE_BUCKET: "isos",
      OBJECT_STORE_ACCESS_KEY: "S3RVER",
      OBJECT_STORE_SECRET_KEY: "S3RVER",
      APPLIANCE_ISO_KEY: "appliance/current/alga-appliance.iso",
    };
    let copies = 0;
    const phases: Record<string, number[]> = {};
    let version = 0;
    const timings = [
      await timeFunction("plain file copy (fs.copyFile)", () => copyFileSync(iso, join(work, `copy-${copies++ % 2}.iso`)), runs),
      await timeFunction(
        "iso-publish (hash, multipart upload, read-back verify, copy to current, presign)",
        async () => {
          let last = performance.now();
          let step = "start";
          await publishIso(env, {
            file: iso,
            size: ISO_BYTES,
            version: `1.0.${version++}`,
            presignSeconds: 3600,
            onStep: (message) => {
              const now = performance.now();
              (phases[step] ??= []).push(now - last);
              step = message.split(" ")[0]!;
              last = now;
            },
          });
          (phases[step] ??= []).push(performance.now() - last);
        },
        runs,
      ),
    ];
    printTimings(`ISO publish of ${ISO_BYTES / 1024 ** 2} MiB to s3rver on 127.0.0.1 (16 MiB parts, 4 in flight)`, timings);
    console.log(`  throughput (median): copy ${mibPerSecond(timings[0]!)}, iso-publish end to end ${mibPerSecond(timings[1]!)}`);
    const phaseLine = Object.entries(phases)
      .filter(([name]) => name !== "start")
      .map(([name, samples]) => `${name} ${(samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]! / 1000).toFixed(2)} s`)
      .join(", ");
    console.log(`  phases (median): ${phaseLine}`);
    return timings;
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
