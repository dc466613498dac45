// Vite builds the SPA; Vitest reads its `test` block, so both share one setup.
// JSX needs no plugin: Vite's built-in transform follows tsconfig's `"jsx": "react-jsx"`.
// (@vitejs/plugin-react would add React Fast Refresh, but npm 11 fails to install it inside a
// nested workspace, so the dev server does full reloads instead.)
/// <reference types="vitest/config" />
import { defineConfig } from "vite";

export default defineConfig({
  test: {
    environment: "happy-dom",
    setupFiles: ["./src/test/setup.ts"],
    // Each test stubs `fetch` with its own fake API; never let one leak into the next.
    unstubGlobals: true,
  },
});
