// Runs `stepgen dev <step> --ready-file F` as a child in its own process group, keeps the end
// of its output for error messages, and stops it with SIGTERM (as Ctrl-C would).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "./paths.ts";

const TAIL_LINES = 60;
/** stepgen dev gives its children 5 s after SIGTERM before killing them; allow for that. */
const STOP_GRACE_MS = 30_000;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StepgenDev {
  /** Settles when the process exits, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  readonly hasExited: () => boolean;
  /** The last lines it printed (stdout and stderr interleaved). */
  readonly tail: () => string;
  /** SIGTERM, then SIGKILL to the whole group if it does not exit in time. */
  readonly stop: () => Promise<void>;
}

/**
 * `STEPGEN_BIN` names a prebuilt binary (e.g. target/debug/stepgen); by default cargo builds
 * and runs the current sources, so the tests never exercise a stale generator.
 */
function command(step: string, readyFile: string): { program: string; args: string[] } {
  const devArgs = ["dev", step, "--ready-file", readyFile];
  const bin = process.env["STEPGEN_BIN"];
  if (bin) return { program: bin, args: devArgs };
  return { program: "cargo", args: ["run", "-q", "-p", "stepgen", "--", ...devArgs] };
}

export function spawnStepgenDev(step: string, readyFile: string, logFile: string): StepgenDev {
  const { program, args } = command(step, readyFile);
  const child = spawn(program, args, {
    cwd: REPO_ROOT,
    // Its own process group: stop() can signal it and anything it left behind, and a Ctrl-C
    // meant for vitest does not race our orderly shutdown.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CARGO_TERM_COLOR: "never", NO_COLOR: "1" },
  });
  const lines: string[] = [];
  const log = createWriteStream(logFile);
  log.write(`$ ${program} ${args.join(" ")}\n`);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      log.write(`${line}\n`);
      // Progress in the test output: the first run compiles for minutes and should not look hung.
      process.stderr.write(`[stepgen dev ${step}] ${line}\n`);
    });
  }

  let exitStatus: ExitStatus | null = null;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on("error", (error) => {
      lines.push(`cannot start ${program}: ${error.message}`);
      exitStatus = { code: null, signal: null };
      resolve(exitStatus);
    });
    child.on("exit", (code, signal) => {
      const status = { code, signal };
      // 'close' follows once the pipes are drained, so tail() holds the last words; a
      // grandchild still holding a pipe must not keep us waiting, hence the timer.
      const settle = () => {
        exitStatus = status;
        resolve(status);
      };
      child.once("close", settle);
      setTimeout(settle, 1_000).unref();
    });
  });
  void exited.then(() => log.end());

  // If the test process ends without stop() (a crash, Ctrl-C, vitest killing its worker),
  // leave no stack behind: its own process group does not hear the terminal's Ctrl-C.
  const killOnExit = () => signalGroup(child, "SIGTERM");
  const forwardSignal = (signal: NodeJS.Signals) => {
    signalGroup(child, "SIGTERM");
    // Then die of the same signal, as we would have without this handler.
    process.kill(process.pid, signal);
  };
  process.on("exit", killOnExit);
  for (const signal of FORWARDED_SIGNALS) process.once(signal, forwardSignal);

  async function stop(): Promise<void> {
    process.off("exit", killOnExit);
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forwardSignal);
    if (exitStatus) return;
    signalGroup(child, "SIGTERM");
    if (await settlesWithin(exited, STOP_GRACE_MS)) return;
    signalGroup(child, "SIGKILL");
    await exited;
  }

  return { exited, hasExited: () => exitStatus !== null, tail: () => lines.join("\n"), stop };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
