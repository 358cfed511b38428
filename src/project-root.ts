import { fileURLToPath } from "node:url";

/** The checkout this code runs from (the directory holding package.json). */
export function projectRoot(): string {
  return fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
}
