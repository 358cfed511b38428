import { resolve } from "node:path";
import { UsageError, UserError } from "../errors.js";
import { resolveDiffOperand, type DiffOperandOptions } from "../distribution/diff-operand.js";
import { formatDiff, paletteFor } from "../distribution/diff-format.js";
import { diffReleases } from "../distribution/diff-releases.js";
import { openReleaseStore } from "../distribution/release-store.js";
import { sourceDateEpoch } from "../synth/source-date-epoch.js";
import { runCli } from "./run.js";
import { STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run diff -- A B [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR] [--releases DIR] [--json]

Compares two releases. A and B are each one of:
  a version             releases/<version>.yaml, rendered in memory as synth would (lock applied)
  a release file        a path ending in .yaml
  channel:NAME          the release a channel points at on --registry or --oci-layout
  a directory           a pulled release (npm run pull --out DIR) or dist/<version>/

Prints the release-level differences (images, charts, control plane, profile values, digests,
waivers), then the config bundle's objects: added, removed, and changed with each changed field.
Secret-looking values are masked. Colour only on a terminal (and not with NO_COLOR).
Exit status: 0 when equal, 1 when they differ, 2 for bad usage or an operand that cannot be read.

${STORE_HELP}
  --releases DIR     release definitions (default: releases)
  --json             print the differences as JSON
  --help             show this help`;

/** Flags that take a value: their value is not an operand. */
const VALUE_FLAGS = new Set([...Object.entries(STORE_FLAGS).filter(([, spec]) => spec.type === "string").map(([name]) => `--${name}`), "--releases"]);

/** Splits the operands off, since the common runner takes flags only. */
function splitOperands(argv: readonly string[]): { operands: string[]; flags: string[] } {
  const operands: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") operands.push(...argv.slice(i + 1));
    if (arg === "--") break;
    if (arg.startsWith("-")) {
      flags.push(arg);
      if (VALUE_FLAGS.has(arg) && i + 1 < argv.length) flags.push(argv[++i]!);
    } else operands.push(arg);
  }
  return { operands, flags };
}

const { operands, flags } = splitOperands(process.argv.slice(2));

await runCli(
  HELP,
  { ...STORE_FLAGS, releases: { type: "string" } },
  async ({ values, output }) => {
    if (operands.length !== 2) throw new UsageError(`diff needs exactly two operands, got ${operands.length}\n\n${HELP}`);
    const targeted = values.registry !== undefined || values["oci-layout"] !== undefined;
    const options: DiffOperandOptions = {
      releasesDir: resolve(values.releases ?? "releases"),
      epoch: sourceDateEpoch(),
      ...(targeted ? { store: () => openReleaseStore(storeOptions(values, output)) } : {}),
    };
    const sides = [];
    for (const operand of operands) {
      output.progress(`reading ${operand}`);
      try {
        sides.push(await resolveDiffOperand(operand, options));
      } catch (error) {
        // Trouble reading an operand is exit 2, as for diff(1): 1 means only "they differ". That holds
        // for every failure (an unreachable registry, a digest mismatch, an unreadable file), not only UserErrors.
        if (error instanceof UsageError) throw error;
        throw new UsageError(error instanceof UserError ? error.message : `${operand}: ${(error as Error).message}`);
      }
    }
    const diff = diffReleases(sides[0]!, sides[1]!);
    if (output.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, ...diff }, null, 2)}\n`);
    } else {
      if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K");
      process.stdout.write(`${formatDiff(diff, paletteFor(process.stdout))}\n`);
    }
    process.exitCode = diff.equal ? 0 : 1;
  },
  flags,
);
