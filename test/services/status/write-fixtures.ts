// Regenerates fixtures/*.json from fixture-scenarios.ts: npx tsx test/services/status/write-fixtures.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureScenarios } from "./fixture-scenarios.js";

const dir = join(import.meta.dirname, "fixtures");
mkdirSync(dir, { recursive: true });
for (const [name, list] of Object.entries(fixtureScenarios())) {
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(list, null, 2)}\n`);
  console.log(`wrote fixtures/${name}.json (${list.items.length} objects)`);
}
