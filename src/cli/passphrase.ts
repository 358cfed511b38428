import { UsageError } from "../errors.js";

/** Where a key's passphrase comes from: COSIGN_PASSWORD (as cosign reads it), else a prompt on a terminal. */
export async function readPassphrase(prompt: string, options: { confirm?: boolean } = {}): Promise<string> {
  const fromEnvironment = process.env["COSIGN_PASSWORD"];
  if (fromEnvironment !== undefined) return fromEnvironment;
  if (!process.stdin.isTTY) throw new UsageError(`${prompt}: set COSIGN_PASSWORD (no terminal to ask on)`);
  const first = await promptHidden(`${prompt}: `);
  if (options.confirm && (await promptHidden(`${prompt} (again): `)) !== first) throw new UsageError("the passphrases do not match");
  return first;
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    let answer = "";
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish();
        if (char === "\u0003") return finish(new UsageError("interrupted"));
        if (char === "\u007f" || char === "\b") answer = answer.slice(0, -1);
        else answer += char;
      }
    };
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(answer);
    };
    stdin.on("data", onData);
  });
}
