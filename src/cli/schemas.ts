import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderJsonSchemas } from "../../schemas/json-schema.js";
import { projectRoot } from "../project-root.js";
import { runCli } from "./run.js";

const HELP = `Usage: npm run schemas [-- --check] [--json]

Writes the JSON Schema files generated from the zod schemas (schemas/*.ts) into schemas/.
  --check   write nothing; exit 1 when a checked-in file differs from what would be written
  --json    print a JSON summary
  --help    show this help`;

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

await runCli(HELP, { check: { type: "boolean" } }, ({ values, output }) => {
  const dir = join(projectRoot(), "schemas");
  const stale: string[] = [];
  for (const [file, text] of Object.entries(renderJsonSchemas())) {
    const path = join(dir, file);
    if (readIfPresent(path) === text) continue;
    stale.push(file);
    if (!values.check) writeFileSync(path, text);
  }
  if (values.check && stale.length > 0) {
    output.fail(`schemas/ is out of date (${stale.join(", ")}): run npm run schemas and commit the result`, { stale });
  }
  output.done(values.check ? "schemas/ is up to date" : `wrote ${stale.length} schema file(s) into schemas/`, { changed: stale });
});
