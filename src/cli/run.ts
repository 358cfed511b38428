import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError, UserError } from "../errors.js";

/**
 * Errors that already say what went wrong in words a person can act on (bad input, a refused
 * registry request, a digest mismatch, a hostile archive).
 */
const USER_FACING_ERRORS = new Set([
  "UserError",
  "UsageError",
  "RegistryError",
  "RegistryUnreachableError",
  "TokenServiceError",
  "DigestMismatchError",
  "BodyTooLargeError",
  "UnsafeTarEntryError",
  "TarFormatError",
  "ArchiveFormatError",
  "DecompressedSizeLimitError",
  "SigningKeyError",
  "SignatureVerificationError",
  "DeadlineExceededError",
  "InvalidArtifactError",
  "NotFoundError",
  "TagListLimitError",
  "GzipFormatError",
  "LockHeldError",
  "TagConflictError",
  "BodyReadError",
]);

/**
 * The line printed for a failure. Every error gets its message, never a bare stack trace; errors
 * not known to be user-facing are marked unexpected, with the stack when ARK_DEBUG is set.
 */
function failureMessage(error: unknown): string {
  if (!(error instanceof Error)) return `unexpected error: ${String(error)}`;
  if (USER_FACING_ERRORS.has(error.name)) return error.message;
  const debug = process.env["ARK_DEBUG"] ? `\n${error.stack ?? ""}` : " (set ARK_DEBUG=1 for a stack trace)";
  return `${error.message}${debug}`;
}

/** parseArgs's message for an unknown flag, with the command's nearest flag when one is close. */
function withSuggestion(error: Error & { code?: string }, flags: readonly string[]): string {
  const unknown = error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /'--([^'=]+)'/.exec(error.message)?.[1] : undefined;
  if (unknown === undefined) return error.message;
  const nearest = nearestFlag(unknown, flags);
  return nearest === undefined ? `unknown flag --${unknown} (see the flags below)` : `unknown flag --${unknown}; did you mean --${nearest}?`;
}

/** The flag within a typo's reach of `typed` (edit distance at most a third of its length, at least 1), if one is nearest. */
export function nearestFlag(typed: string, flags: readonly string[]): string | undefined {
  const reach = Math.max(1, Math.floor(typed.length / 3));
  const ranked = flags.map((flag) => ({ flag, distance: editDistance(typed, flag) })).filter(({ distance }) => distance <= reach);
  ranked.sort((a, b) => a.distance - b.distance || a.flag.localeCompare(b.flag));
  if (ranked.length === 0 || (ranked.length > 1 && ranked[1]!.distance === ranked[0]!.distance)) return undefined;
  return ranked[0]!.flag;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * A help text with its flag lines lined up: every description starts in one column, two spaces
 * after the longest flag, and the indented lines continuing a description follow it. The help
 * texts are written by hand, in several files; this keeps them in line with each other.
 */
function alignHelp(help: string): string {
  const flagLine = /^ {2}(-\S(?:\S| (?! ))*) {2,}(\S.*)$/;
  const lines = help.split("\n");
  const width = Math.max(0, ...lines.map((line) => flagLine.exec(line)?.[1]!.length ?? 0));
  let inFlag = false;
  return lines
    .map((line) => {
      const flag = flagLine.exec(line);
      if (flag) {
        inFlag = true;
        return `  ${flag[1]!.padEnd(width)}  ${flag[2]}`;
      }
      // A continuation: indented deeper than a flag, right below one.
      if (inFlag && /^ {6,}\S/.test(line)) return `${" ".repeat(width + 4)}${line.trimStart()}`;
      inFlag = false;
      return line;
    })
    .join("\n");
}

type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** What a command reports through: human lines on a terminal, one JSON document with --json. */
export interface CliOutput {
  readonly json: boolean;
  /** A progress line on stderr (rewritten in place on a terminal, one line each otherwise); silent with --json. */
  progress(message: string): void;
  /** Success: prints `message` (or the JSON document) and ends the command with exit 0. */
  done(message: string, result?: Record<string, unknown>): void;
  /** Failure the command detected itself: prints and exits 1 (or `exitCode`, e.g. 2 when it could not find out). */
  fail(message: string, details?: Record<string, unknown>, exitCode?: number): never;
}

const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
} as const satisfies OptionSpec;

/** The parsed flag values, typed from the option spec. */
export type CliValues<O extends OptionSpec> = {
  [K in keyof O]?: O[K] extends { type: "boolean"; multiple: true }
    ? boolean[]
    : O[K] extends { type: "boolean" }
      ? boolean
      : O[K] extends { multiple: true }
        ? string[]
        : string;
} & { json?: boolean; help?: boolean };

class ExitSignal {
  constructor(readonly code: number) {}
}

/**
 * Set on globalThis once the command has reported its outcome (its handler returned, or called
 * `done` or `fail`): the run went through the command, so bin/command.cjs may keep the code cache it
 * compiled, even when it exits 1 with findings. A run stopped by a thrown error may have compiled
 * its first steps only. The same key is spelled in bin/command.cjs.
 */
const COMMAND_REPORTED = Symbol.for("appliance-release-kit.command-reported");

function markReported(): void {
  (globalThis as Record<symbol, unknown>)[COMMAND_REPORTED] = true;
}

/**
 * Runs one command: parses flags (unknown flags are usage errors), answers --help, and turns
 * thrown `UserError`s into a message and a non-zero exit instead of a stack trace.
 */
export async function runCli<O extends OptionSpec>(
  help: string,
  options: O,
  handler: (args: { values: CliValues<O>; output: CliOutput }) => Promise<void> | void,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  const wantsJson = argv.includes("--json");
  const output = createOutput(wantsJson);
  try {
    let values: CliValues<O>;
    try {
      values = parseArgs({ args: argv, options: { ...options, ...COMMON_OPTIONS }, strict: true, allowPositionals: false })
        .values as CliValues<O>;
    } catch (error) {
      throw new UsageError(`${withSuggestion(error as Error & { code?: string }, Object.keys({ ...options, ...COMMON_OPTIONS }))}\n\n${alignHelp(help)}`);
    }
    if (values.help) {
      process.stdout.write(`${alignHelp(help)}\n`);
      return;
    }
    await handler({ values, output });
    markReported();
  } catch (error) {
    if (error instanceof ExitSignal) {
      markReported();
      process.exitCode = error.code;
      return;
    }
    const code = error instanceof UsageError ? 2 : 1;
    const message = failureMessage(error);
    if (wantsJson) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: message, ...(error instanceof UserError ? error.details : {}) }, null, 2)}\n`);
    } else {
      process.stderr.write(`error: ${message}\n`);
    }
    process.exitCode = code;
  }
}

function createOutput(json: boolean): CliOutput {
  const interactive = Boolean(process.stderr.isTTY);
  return {
    json,
    progress(message) {
      if (json) return;
      process.stderr.write(interactive ? `\r\x1b[2K${message}` : `${message}\n`);
    },
    done(message, result = {}) {
      if (interactive && !json) process.stderr.write("\r\x1b[2K");
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...result }, null, 2)}\n`);
      else process.stdout.write(`${message}\n`);
      throw new ExitSignal(0);
    },
    fail(message, details = {}, exitCode = 1) {
      if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: message, ...details }, null, 2)}\n`);
      else process.stderr.write(`error: ${message}\n`);
      throw new ExitSignal(exitCode);
    },
  };
}
