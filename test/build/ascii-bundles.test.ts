import { isAscii } from "node:buffer";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtCommands } from "../support/built-commands.js";
import { PROJECT_ROOT } from "../support/run-cli.js";

// The launcher reads a bundle as Latin-1 when its stamp says it is ASCII, as UTF-8 otherwise: a
// stamp that claimed ASCII for a bundle with other bytes would garble its strings.
describe("built bundles", () => {
  it("are ASCII (esbuild escapes every other character), and each stamp records exactly that", () => {
    const commands = builtCommands(PROJECT_ROOT);
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands) {
      const ascii = isAscii(readFileSync(command.file));
      expect({ command: command.command, stamp: command.ascii }).toEqual({ command: command.command, stamp: ascii });
      expect(ascii, `${command.file} is not ASCII`).toBe(true);
    }
  });
});
