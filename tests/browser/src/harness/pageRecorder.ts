// Records what a page said (console, uncaught errors, failed requests) so a failing journey
// leaves a log beside its screenshot.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS_DIR, slug } from "./paths.ts";

export interface PageRecorder {
  /** Uncaught exceptions in the page: always a bug, so the harness fails the test on them. */
  readonly pageErrors: readonly string[];
  /** Saves a screenshot and the log; returns their paths. */
  saveArtifacts(spec: string, test: string): Promise<{ screenshot: string; log: string }>;
}

export function recordPage(page: Page): PageRecorder {
  const started = Date.now();
  const lines: string[] = [];
  const pageErrors: string[] = [];
  const note = (line: string) => lines.push(`+${((Date.now() - started) / 1000).toFixed(2)}s ${line}`);

  page.on("console", (message) => {
    const { url, lineNumber } = message.location();
    note(`console.${message.type()}: ${message.text()}${url ? `  (${url}:${lineNumber})` : ""}`);
  });
  page.on("pageerror", (error) => {
    pageErrors.push(error.stack ?? error.message);
    note(`pageerror: ${error.stack ?? error.message}`);
  });
  page.on("requestfailed", (request) => note(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? "?"}`));
  page.on("response", (response) => {
    if (response.status() >= 400) note(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });

  return {
    pageErrors,
    async saveArtifacts(spec, test) {
      await mkdir(ARTIFACTS_DIR, { recursive: true });
      const base = path.join(ARTIFACTS_DIR, `${slug(spec)}-${slug(test)}`);
      const screenshot = `${base}.png`;
      const log = `${base}.log`;
      try {
        await page.screenshot({ path: screenshot, fullPage: true, timeout: 10_000 });
      } catch (error) {
        note(`(no screenshot: ${String(error)})`);
      }
      const header = [`spec: ${spec}`, `test: ${test}`, `url: ${page.isClosed() ? "(closed)" : page.url()}`, ""];
      await writeFile(log, [...header, ...lines, ""].join("\n"));
      return { screenshot, log };
    },
  };
}
