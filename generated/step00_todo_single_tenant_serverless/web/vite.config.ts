// Vite builds the SPA; Vitest reads its `test` block, so both share one plugin setup.
/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  test: {
    environment: "happy-dom",
    setupFiles: ["./src/test/setup.ts"],
    // Each test stubs `fetch` with its own fake API; never let one leak into the next.
    unstubGlobals: true,
  },
});
