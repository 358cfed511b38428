import type { z } from "zod";

/** `components.temporal-worker.image` style path; `(root)` for the document itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`))
    .join("");
}

/** One line per problem, each naming the field and what to do about it. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const where = issue.path.length === 0 ? "" : ` in ${fieldPath(issue.path)}`;
      return `${issue.keys.map((key) => fieldPath([...issue.path, key])).join(", ")}: unknown field${where}; remove it or fix its spelling`;
    }
    if (issue.code === "invalid_type" && issue.message.includes("received undefined")) {
      return `${fieldPath(issue.path)}: is required (expected ${issue.expected})`;
    }
    if (issue.code === "invalid_value") {
      return `${fieldPath(issue.path)}: ${issue.message}`;
    }
    return `${fieldPath(issue.path)}: ${issue.message}`;
  });
}
