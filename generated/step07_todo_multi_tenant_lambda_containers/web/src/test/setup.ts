// Vitest runs without globals, so Testing Library cannot register its own cleanup.
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => cleanup());

// The open list is kept in the address: every test starts from the front page.
afterEach(() => window.history.replaceState(null, "", "/"));
