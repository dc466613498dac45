// Vitest runs the CDK app's tests straight from TypeScript; no compile step.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesizing the stack with cdk-nag takes seconds; the defaults (5 s, 10 s) are tight on CI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
