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

type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** What a command reports through: human lines on a terminal, one JSON document with --json. */
export interface CliOutput {
  readonly json: boolean;
  /** A progress line on stderr (rewritten in place on a terminal, one line each otherwise); silent with --json. */
  progress(message: string): void;
  /** Success: prints `message` (or the JSON document) and ends the command with exit 0. */
  done(message: string, result?: Record<string, unknown>): void;
  /** Failure the command detected itself: prints and exits 1. */
  fail(message: string, details?: Record<string, unknown>): never;
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
      throw new UsageError(`${(error as Error).message}\n\n${help}`);
    }
    if (values.help) {
      process.stdout.write(`${help}\n`);
      return;
    }
    await handler({ values, output });
  } catch (error) {
    if (error instanceof ExitSignal) {
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
    fail(message, details = {}) {
      if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: message, ...details }, null, 2)}\n`);
      else process.stderr.write(`error: ${message}\n`);
      throw new ExitSignal(1);
    },
  };
}
