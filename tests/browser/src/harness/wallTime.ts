// vitest globalSetup: reports the wall time of the whole browser suite, stack start-ups included
// (vitest's own "Duration" splits it into phases), and keeps it for CI to pick up.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ARTIFACTS_DIR } from "./paths.ts";

export default function setup(): () => Promise<void> {
  const started = Date.now();
  return async () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const file = path.join(ARTIFACTS_DIR, "wall-time.txt");
    await writeFile(file, `${seconds}\n`);
    console.log(`\nbrowser suite wall time: ${seconds} s (also in ${path.relative(process.cwd(), file)})`);
  };
}
