import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError, UserError } from "../errors.js";
import { readObjectStoreEnvironment } from "../distribution/object-store-env.js";
import { DEFAULT_PART_SIZE, MAX_PRESIGN_SECONDS, publishIso } from "../distribution/publish-iso.js";
import { runCli } from "./run.js";

const DEFAULT_TTL = 24 * 3600;

const HELP = `Usage: npm run iso-publish -- --file ISO [--version V] [--ttl SECONDS] [--part-size-mib N] [--json]

Uploads a built appliance ISO to the S3-compatible object store the license service presigns from:
  1. appliance/<version>/<name> and its .sha256, read back and verified (sha256);
  2. only then the current key APPLIANCE_ISO_KEY is replaced, and its .sha256 beside it.
Prints a presigned download URL for the current key. An interrupted publish leaves the current
key untouched. Large files go up in parts; each part carries its SHA-256 checksum for the store to
verify, and the whole object is verified by reading it back.

The store comes from the license service's environment contract (values with write access):
  OBJECT_STORE_ENDPOINT  OBJECT_STORE_REGION  OBJECT_STORE_BUCKET
  OBJECT_STORE_ACCESS_KEY  OBJECT_STORE_SECRET_KEY  APPLIANCE_ISO_KEY (default ${"appliance/current/alga-appliance.iso"})

  --file ISO          the ISO to publish
  --version V         release version for the versioned key (default: from a file named
                      alga-appliance-ubuntu-<version>.iso)
  --ttl SECONDS       lifetime of the presigned URL (default ${DEFAULT_TTL}, at most ${MAX_PRESIGN_SECONDS})
  --part-size-mib N   multipart part size (default ${DEFAULT_PART_SIZE / 1024 ** 2}, at least 5)
  --json              print keys, checksum and URL as JSON
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

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

await runCli(
  HELP,
  { file: { type: "string" }, version: { type: "string" }, ttl: { type: "string" }, "part-size-mib": { type: "string" } },
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
    // The SDK versions are pinned (package.json); its notice about future releases needing Node 22
    // would only bury the progress output. The README records the Node 22 move.
    process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

    const started = Date.now();
    const interactive = Boolean(process.stderr.isTTY);
    let lastDecile = -1;
    const result = await publishIso(env, {
      file,
      size,
      version,
      presignSeconds: ttl,
      partSize,
      onStep: (message) => output.progress(message),
      onProgress: ({ key, loaded, total }) => {
        const fraction = total > 0 ? Math.min(1, loaded / total) : 1;
        const decile = Math.floor(fraction * 10);
        // A bar redrawn in place on a terminal; one line per 10% in a log.
        if (!interactive && decile === lastDecile) return;
        lastDecile = decile;
        const seconds = Math.max(0.001, (Date.now() - started) / 1000);
        const bar = `${"#".repeat(Math.round(fraction * 30)).padEnd(30, "-")}`;
        output.progress(`${key} [${bar}] ${Math.floor(fraction * 100)}% ${mib(loaded)}/${mib(total)} ${mib(loaded / seconds)}/s`);
      },
    });
    output.done(
      [
        `published ${basename(file)} (${mib(result.size)}, sha256 ${result.sha256})`,
        `  s3://${result.bucket}/${result.versionedKey} (+ .sha256), verified`,
        `  s3://${result.bucket}/${result.currentKey} (+ .sha256), current`,
        `download URL (expires ${result.expiresAt}):`,
        result.url,
      ].join("\n"),
      { ...result },
    );
  },
);
