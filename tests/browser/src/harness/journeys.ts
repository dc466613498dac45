// The shared harness of every step's spec file: one stack and one browser per file, a fresh
// browser context (no cookies, no storage) and a clean data set per test, and a screenshot
// plus console log for every failing test.
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, type TestContext } from "vitest";
import { launchChromium, warmUp } from "./browser.ts";
import { recordPage, type PageRecorder } from "./pageRecorder.ts";
import { startStack, type RunningStack } from "./stack.ts";

/** How long one browser action (click, fill, wait for an element) may take before failing. */
const ACTION_TIMEOUT_MS = 15_000;

export interface JourneyOptions {
  /** Puts the stack's data back to the state a new user finds, before every test. */
  reset(stack: RunningStack): Promise<void>;
}

export interface Journey {
  /** The stack of this spec file's step. */
  readonly stack: RunningStack;
  /** A new page in a new browser context, for the current test. */
  readonly page: Page;
  readonly context: BrowserContext;
}

/** Call once at the top of a spec file; the returned object is usable inside tests. */
export function useStepJourneys(step: string, options: JourneyOptions): Journey {
  let stack: RunningStack | undefined;
  let browser: Browser | undefined;
  let current: { context: BrowserContext; page: Page; recorder: PageRecorder } | undefined;

  beforeAll(async () => {
    stack = await startStack(step);
    try {
      browser = await launchChromium();
      await warmUp(browser, stack.spa);
    } catch (error) {
      await stack.stop();
      throw error;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  beforeEach(async () => {
    const { stack, browser } = started();
    await options.reset(stack);
    const context = await browser.newContext({ baseURL: stack.spa });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();
    current = { context, page, recorder: recordPage(page) };
  });

  afterEach(async ({ task }: TestContext) => {
    if (!current) return;
    const { context, recorder } = current;
    current = undefined;
    const uncaught = [...recorder.pageErrors];
    if (task.result?.state === "fail" || uncaught.length > 0) {
      const spec = path.basename(task.file.name).replace(/\.test\.ts$/, "");
      const { screenshot, log } = await recorder.saveArtifacts(spec, testPath(task));
      console.error(`failure artifacts:\n  screenshot ${screenshot}\n  console log ${log}`);
    }
    await context.close();
    if (uncaught.length > 0) throw new Error(`the page threw uncaught errors:\n${uncaught.join("\n")}`);
  });

  function started(): { stack: RunningStack; browser: Browser } {
    if (!stack || !browser) throw new Error(`the ${step} stack or the browser did not start (see beforeAll's error)`);
    return { stack, browser };
  }

  function inTest() {
    if (!current) throw new Error("the page exists only inside a test");
    return current;
  }

  return {
    get stack() {
      return started().stack;
    },
    get page() {
      return inTest().page;
    },
    get context() {
      return inTest().context;
    },
  };
}

/** "describe › nested › test", without the file. */
function testPath(task: TestContext["task"]): string {
  const names = [task.name];
  for (let suite = task.suite; suite && suite !== task.file; suite = suite.suite) names.unshift(suite.name);
  return names.join(" › ");
}
