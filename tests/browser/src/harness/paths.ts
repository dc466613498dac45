// Where things are, independent of the directory vitest was started from.
import { fileURLToPath } from "node:url";
import path from "node:path";

/** The stepgen repository root (this file is tests/browser/src/harness/paths.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Screenshots, console logs and stack logs; under target/ so git and cargo clean ignore/remove them. */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "target", "browser-artifacts");

/** A file-name-safe form of a spec or test name. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 100) || "unnamed"
  );
}
