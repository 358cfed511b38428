/**
 * An error whose message is written for the person running the command: it names the file,
 * the field and what to do. The CLI prints it without a stack trace and exits non-zero.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
