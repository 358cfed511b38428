import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { UserError } from "../errors.js";
import { formatIssues } from "./format-issues.js";

/**
 * Reads one YAML document and validates it with `schema`. Every failure is a `UserError` whose
 * message starts with the file name, then lists each field and what to do.
 */
export function readYamlDocument<S extends z.ZodType>(file: string, schema: S, what: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read the ${what} (${code ?? (error as Error).message})`);
  }
  if (text.trim() === "") {
    throw new UserError(`${file}: the ${what} is empty; write it as YAML (see schemas/ for its fields)`);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => `  ${error.message.split("\n")[0]}`);
    throw new UserError(`${file}: not valid YAML:\n${lines.join("\n")}\nFix the YAML syntax at the line shown.`);
  }
  const data: unknown = document.toJS();
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UserError(`${file}: the ${what} must be a YAML mapping of fields, not ${Array.isArray(data) ? "a list" : typeof data}`);
  }
  // Without zod's JIT: it compiles a parser per object schema with new Function on first use, which
  // pays off over thousands of parses; a release file, its profile and lock are parsed once each.
  const result = schema.safeParse(data, { jitless: true });
  if (!result.success) {
    const lines = formatIssues(result.error.issues).map((line) => `  ${line}`);
    throw new UserError(`${file}: invalid ${what}:\n${lines.join("\n")}`, { file, issues: result.error.issues });
  }
  return result.data;
}
