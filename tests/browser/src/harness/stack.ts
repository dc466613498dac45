// The running stack a spec file tests: started with `stepgen dev`, or one already running
// (STEPGEN_STACK_JSON) so a developer can iterate on the tests without restarting it.
import { mkdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { ARTIFACTS_DIR } from "./paths.ts";
import { readReadyFile, type StackInfo } from "./readyFile.ts";
import { spawnStepgenDev } from "./stepgenDev.ts";

/** The first run synthesizes the CDK app and compiles the API, on a busy 2-core machine. */
const READY_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 250;

export interface RunningStack extends StackInfo {
  /** Stops what startStack started; a no-op for a stack given by STEPGEN_STACK_JSON. */
  stop(): Promise<void>;
}

/**
 * STEPGEN_STACK_JSON=path uses an already-running stack described by a ready file (written by
 * `stepgen dev --ready-file` or by hand); `{step}` in the path is replaced by the step id, so
 * one setting can serve several spec files.
 */
export async function startStack(step: string): Promise<RunningStack> {
  const given = process.env["STEPGEN_STACK_JSON"];
  const stack = given ? await useRunningStack(step, given.replaceAll("{step}", step)) : await launchStack(step);
  try {
    await assertSpaTalksToThisApi(stack);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

async function useRunningStack(step: string, file: string): Promise<RunningStack> {
  const info = await readReadyFile(file);
  if (info.step !== step) {
    throw new Error(`STEPGEN_STACK_JSON (${file}) describes ${info.step}, but this spec tests ${step}; unset it or use {step} in the path`);
  }
  return { ...info, stop: async () => {} };
}

async function launchStack(step: string): Promise<RunningStack> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const readyFile = path.join(ARTIFACTS_DIR, `${step}-ready.json`);
  const logFile = path.join(ARTIFACTS_DIR, `${step}-stepgen-dev.log`);
  await rm(readyFile, { force: true });
  const started = Date.now();
  // cargo builds quietly (-q), and the first build takes minutes: say why nothing moves.
  process.stderr.write(`[browser tests] starting ${step} with stepgen dev (builds stepgen first if its sources changed); output in ${logFile}\n`);
  const dev = spawnStepgenDev(step, readyFile, logFile);
  const fail = async (why: string): Promise<never> => {
    await dev.stop();
    throw new Error(`stepgen dev ${step} ${why}; full output in ${logFile}; its last lines:\n${dev.tail()}`);
  };

  while (!existsSync(readyFile)) {
    if (dev.hasExited()) {
      const { code, signal } = await dev.exited;
      return fail(`exited (${signal ?? `code ${code}`}) before it was ready`);
    }
    if (Date.now() - started > READY_TIMEOUT_MS) {
      return fail(`was not ready within ${READY_TIMEOUT_MS / 60_000} minutes`);
    }
    await sleep(POLL_MS);
  }
  let info: StackInfo;
  try {
    // stepgen writes the file atomically, so it is complete once it exists.
    info = await readReadyFile(readyFile);
  } catch (error) {
    return fail(`wrote a ready file the tests cannot read: ${String(error)}`);
  }
  process.stderr.write(`[browser tests] ${step} stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return { ...info, stop: dev.stop };
}

/**
 * The SPA finds its API through web/public/config.json, one file per step folder: a second
 * stack of the same step started meanwhile (another developer, a hand-run stack) rewrites it.
 * Say so plainly instead of failing every journey with a confusing error.
 */
async function assertSpaTalksToThisApi(stack: StackInfo): Promise<void> {
  const url = new URL("config.json", stack.spa).href;
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!response.ok) throw new Error(`the SPA serves no config.json (${url}: HTTP ${response.status})`);
  const config = (await response.json()) as { apiUrl?: unknown };
  const apiUrl = typeof config.apiUrl === "string" ? config.apiUrl.replace(/\/?$/, "/") : undefined;
  if (apiUrl !== stack.api) {
    throw new Error(
      `the SPA at ${stack.spa} is configured for the API ${String(config.apiUrl)}, not this stack's ${stack.api}: ` +
        "another stack of this step has probably rewritten web/public/config.json; stop it and rerun",
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
