// Browser journeys start a whole local stack per spec file (one step each) and drive a real
// Chromium, so they run one file at a time, in order, with generous timeouts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["specs/**/*.test.ts"],
    globalSetup: ["./src/harness/wallTime.ts"],
    // One stack at a time: two steps' stacks would compete for the ports and the 2 cores.
    fileParallelism: false,
    sequence: { concurrent: false },
    // A journey talks to a real API and DynamoDB emulator; slow CI machines need headroom.
    testTimeout: 120_000,
    // beforeAll starts the stack: the first run synthesizes the CDK app and compiles the API.
    hookTimeout: 15 * 60_000,
    teardownTimeout: 60_000,
    // A failing journey gets a screenshot and console log; retrying would hide flakiness.
    retry: 0,
  },
});
