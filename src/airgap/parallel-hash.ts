/**
 * SHA-256 of many ranges of one file, on worker threads, several ranges at once. The verify pass
 * reads every byte of a multi-gigabyte archive before anything is imported; hashed on the main
 * thread it would use one core whatever the machine has. Each worker reads its range into one
 * reused buffer, so memory stays a buffer per worker.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

export interface FileRange {
  readonly offset: number;
  readonly size: number;
}

/** Progress messages from a worker come at most every this many bytes. */
const REPORT_BYTES = 16 * 1024 * 1024;

// Plain CommonJS, run with `eval`: the build bundles each command into one file, so the worker's
// code travels as a string rather than as a module of its own.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
const { createHash } = require("node:crypto");
const buffer = Buffer.allocUnsafe(1024 * 1024);
parentPort.on("message", ({ id, file, offset, size }) => {
  try {
    const fd = openSync(file, "r");
    const hash = createHash("sha256");
    let done = 0;
    let reported = 0;
    try {
      while (done < size) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - done), offset + done);
        if (read === 0) throw new Error("unexpected end of archive");
        hash.update(buffer.subarray(0, read));
        done += read;
        if (done - reported >= ${REPORT_BYTES}) {
          parentPort.postMessage({ id, bytes: done - reported });
          reported = done;
        }
      }
    } finally {
      closeSync(fd);
    }
    parentPort.postMessage({ id, bytes: done - reported, digest: "sha256:" + hash.digest("hex") });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

/**
 * The `sha256:<hex>` of each range of `file`, in the order given. `onBytes` hears of bytes hashed as
 * they are. A range that cannot be read (the file shrank) rejects, naming the error.
 */
export async function hashFileRanges(file: string, ranges: readonly FileRange[], onBytes: (bytes: number) => void = () => {}): Promise<string[]> {
  const digests: string[] = new Array(ranges.length);
  if (ranges.length === 0) return digests;
  const count = Math.max(1, Math.min(4, availableParallelism(), ranges.length));
  let next = 0;
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const take = () => {
        if (next >= ranges.length) return resolve();
        const id = next++;
        const range = ranges[id]!;
        worker.postMessage({ id, file, offset: range.offset, size: range.size });
      };
      worker.on("message", (message: { id: number; bytes?: number; digest?: string; error?: string }) => {
        if (message.error !== undefined) return reject(new Error(`${file}: ${message.error}`));
        if (message.bytes) onBytes(message.bytes);
        if (message.digest !== undefined) {
          digests[message.id] = message.digest;
          take();
        }
      });
      worker.on("error", reject);
      take();
    });
  const workers = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    await Promise.all(workers.map(run));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return digests;
}
