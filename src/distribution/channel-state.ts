/**
 * What an appliance remembers of the channel statements it accepted (`pull --state FILE`): per
 * channel, the last statement's sequence and release. A pull refuses anything that would move it
 * back. The file is replaced atomically (temporary file, fsync, rename) under a lock file, and is
 * only ever moved forward: of two pulls at once, the one with the lower sequence never overwrites
 * the higher; a pull killed mid-write leaves the old file whole.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { ChannelName, Digest, ReleaseVersion } from "../../schemas/common.js";
import { UserError } from "../errors.js";
import { withLockFile } from "../fs/lock-file.js";
import { syncDirectory } from "../fs/sync-directory.js";

const AcceptedStatement = z.strictObject({
  sequence: z.number().int().positive(),
  version: ReleaseVersion,
  releaseDigest: Digest,
  statementDigest: Digest,
  issuedAt: z.string(),
  expiresAt: z.string(),
  rollback: z.boolean(),
  acceptedAt: z.string(),
});
export type AcceptedStatement = z.infer<typeof AcceptedStatement>;

const ChannelState = z.strictObject({
  schemaVersion: z.literal(1),
  channels: z.record(ChannelName, AcceptedStatement),
});
export type ChannelState = z.infer<typeof ChannelState>;

/** Where the state lives when `--state` is not given: beside the pull's output directory. */
export function defaultStateFile(outDir: string): string {
  const out = resolve(outDir);
  return join(dirname(out), `${basename(out)}.channel-state.json`);
}

/** Reads the state file; a missing one is an empty state (a fresh appliance). */
export function readChannelState(file: string): ChannelState {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { schemaVersion: 1, channels: {} };
    throw new UserError(`${file}: cannot read the channel state (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${file}: the channel state is not JSON; restore it from a backup, or remove it (the next pull then accepts any valid statement, as a new appliance does)`);
  }
  const parsed = ChannelState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: invalid channel state at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}; restore it from a backup, or remove it`);
  }
  return parsed.data;
}

/**
 * Records `accepted` for `channel`, unless the file meanwhile holds a higher sequence for it (a
 * concurrent pull got further): the state never moves back.
 */
export async function recordAcceptedStatement(file: string, channel: string, accepted: AcceptedStatement): Promise<void> {
  await withLockFile(`${file}.lock`, { what: `the channel state ${file}` }, async () => {
    const state = readChannelState(file);
    const known = state.channels[channel];
    if (known && known.sequence > accepted.sequence) return;
    const next: ChannelState = { schemaVersion: 1, channels: { ...state.channels, [channel]: accepted } };
    const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      const handle = await open(temporary, "wx", 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(next, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    } finally {
      await rm(temporary, { force: true });
    }
    await syncDirectory(dirname(file));
  });
}
