import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError, UserError } from "../errors.js";
import { readObjectStoreEnvironment, readPresignCredentials } from "../distribution/object-store-env.js";
import { DEFAULT_PART_SIZE, MAX_PRESIGN_SECONDS, publishIso } from "../distribution/publish-iso.js";
import { ByteProgress, formatBytes } from "../progress.js";
import { runCli } from "./run.js";

const DEFAULT_TTL = 24 * 3600;

const HELP = `Usage: npm run iso-publish -- --file ISO [--version V] [--ttl SECONDS] [--part-size-mib N] [--replace] [--rollback] [--json]

Uploads a built appliance ISO to the S3-compatible object store the license service presigns from:
  1. the store is checked first (reachable, key accepted, may list and write under the prefix);
  2. appliance/<version>/<name> is uploaded (parts carry SHA-256 checksums), read back and verified,
     its retention tag read back, then its .sha256 written. A version is immutable: the same bytes
     again upload nothing; other bytes are refused unless --replace;
  3. the current key APPLIANCE_ISO_KEY (and its .sha256) settles at the highest published version:
     publishing an older version never makes it current, whatever runs at the same time; only
     --rollback moves it back (and withdraws the higher versions for good).
Prints what the current key holds at the end and a presigned download URL for this ISO (the
current key when it is current, else its versioned key). A failed or interrupted (SIGINT/SIGTERM)
publish aborts its multipart upload and leaves the current key as it was.

The store comes from the license service's environment contract (values with write access):
  OBJECT_STORE_ENDPOINT  OBJECT_STORE_REGION  OBJECT_STORE_BUCKET
  OBJECT_STORE_ACCESS_KEY  OBJECT_STORE_SECRET_KEY  APPLIANCE_ISO_KEY (default ${"appliance/current/alga-appliance.iso"})
  OBJECT_STORE_READ_ACCESS_KEY  OBJECT_STORE_READ_SECRET_KEY  optional: a read-only key (the license
                      service's) the URL is signed with, so the write key's id never travels in a link

  --file ISO          the ISO to publish
  --version V         release version for the versioned key (default: from a file named
                      alga-appliance-ubuntu-<version>.iso)
  --ttl SECONDS       lifetime of the presigned URL (default ${DEFAULT_TTL}, at most ${MAX_PRESIGN_SECONDS})
  --part-size-mib N   multipart part size (default ${DEFAULT_PART_SIZE / 1024 ** 2}, at least 5)
  --replace           overwrite the versioned key even when it holds other bytes
  --rollback          make this version current although higher ones are published (withdraws them)
  --json              print keys, checksums, the current version and the URL as JSON
  --help              show this help`;

function versionOf(file: string, flag: string | undefined): string {
  const candidate = flag ?? /^alga-appliance-ubuntu-(.+)\.iso$/.exec(basename(file))?.[1];
  if (candidate === undefined) throw new UsageError(`--file ${file}: cannot tell the version from the file name; pass --version V`);
  const parsed = ReleaseVersion.safeParse(candidate);
  if (!parsed.success) throw new UsageError(`--version "${candidate}": ${parsed.error.issues[0]?.message ?? "invalid version"}`);
  return candidate;
}

function integerFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`--${name} ${value}: must be a whole number from ${min} to ${max}`);
  return number;
}

/** Exit status of a process ended by a signal, as a shell reports it. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** The signal that interrupted the publish, if one did. */
let caught: NodeJS.Signals | undefined;

await runCli(
  HELP,
  {
    file: { type: "string" },
    version: { type: "string" },
    ttl: { type: "string" },
    "part-size-mib": { type: "string" },
    replace: { type: "boolean" },
    rollback: { type: "boolean" },
  },
  async ({ values, output }) => {
    if (!values.file) throw new UsageError(`--file ISO is required\n\n${HELP}`);
    const file = resolve(values.file);
    const version = versionOf(file, values.version);
    const ttl = integerFlag("ttl", values.ttl, DEFAULT_TTL, 1, MAX_PRESIGN_SECONDS);
    const partSize = integerFlag("part-size-mib", values["part-size-mib"], DEFAULT_PART_SIZE / 1024 ** 2, 5, 5120) * 1024 ** 2;
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error("not a regular file");
      size = stat.size;
    } catch (error) {
      throw new UserError(`--file ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}; nothing was uploaded`);
    }
    if (size === 0) throw new UserError(`--file ${file}: the file is empty; nothing was uploaded`);
    // All configuration is checked before the first byte goes out.
    const env = readObjectStoreEnvironment(process.env);
    const presignCredentials = readPresignCredentials(process.env);
    // The SDK versions are pinned (package.json); its notice about future releases needing Node 22
    // would only bury the progress output. The README records the Node 22 move.
    process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

    // SIGINT/SIGTERM abort the publish (in-flight parts cancelled, the multipart upload aborted on
    // the store) before the process ends; a second signal ends it at once.
    const interruption = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      caught = signal;
      for (const name of ["SIGINT", "SIGTERM"] as const) process.removeListener(name, onSignal);
      output.progress(`${signal}: aborting the upload`);
      interruption.abort();
    };
    for (const name of ["SIGINT", "SIGTERM"] as const) process.on(name, onSignal);

    // One bar for the upload, named by its key (known with the first report).
    let progress: ByteProgress | undefined;
    let result;
    try {
      result = await publishIso(env, {
        file,
        size,
        version,
        presignSeconds: ttl,
        partSize,
        replace: values.replace === true,
        rollback: values.rollback === true,
        ...(presignCredentials ? { presignCredentials } : {}),
        signal: interruption.signal,
        onStep: (message) => output.progress(message),
        onProgress: ({ key, loaded, total }) => {
          progress ??= new ByteProgress({ total, label: key, terminal: Boolean(process.stderr.isTTY), write: (line) => output.progress(line) });
          progress.set(loaded);
        },
      });
    } catch (error) {
      if (caught) {
        // Reported here, not through output.fail, so the exit status can be the signal's (130, 143).
        const message = `interrupted by ${caught}: the upload was aborted on the store (no incomplete upload left); the current key is as the store shows it`;
        if (output.json) process.stdout.write(`${JSON.stringify({ ok: false, error: message, signal: caught }, null, 2)}\n`);
        else process.stderr.write(`\nerror: ${message}\n`);
        process.exitCode = SIGNAL_EXIT[caught] ?? 1;
        return;
      }
      throw error;
    } finally {
      for (const name of ["SIGINT", "SIGTERM"] as const) process.removeListener(name, onSignal);
    }
    const current = result.current.version
      ? `${result.current.version} (sha256 ${result.current.sha256 ?? "unknown"})`
      : `an ISO without a recorded version (sha256 ${result.current.sha256 ?? "unknown"})`;
    output.done(
      [
        `published ${basename(file)} as ${version} (${formatBytes(result.size)}, sha256 ${result.sha256})`,
        `  s3://${result.bucket}/${result.versionedKey} (+ .sha256), ${result.upload === "unchanged" ? "already there with these bytes: nothing uploaded" : `${result.upload}, verified`}`,
        ...(result.withdrew.length > 0 ? [`  withdrawn (--rollback): ${result.withdrew.join(", ")}`] : []),
        `  s3://${result.bucket}/${result.currentKey} now holds ${current}${result.isCurrent ? "" : `; ${version} is not current (a higher version is published; --rollback to go back)`}`,
        `download URL for s3://${result.bucket}/${result.urlKey} (expires ${result.expiresAt}, signed with key ${result.urlAccessKeyId}):`,
        result.url,
      ].join("\n"),
      { ...result },
    );
  },
);

