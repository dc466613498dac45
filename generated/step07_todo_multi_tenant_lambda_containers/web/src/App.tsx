// The app shell: load the runtime config, then let the signed-in user in (or say what is wrong).
import { useEffect, useState } from "react";
import { createAmplifyAuth } from "./amplifyAuth.ts";
import type { AuthClient } from "./auth.ts";
import { ConfigErrorScreen } from "./components/ConfigErrorScreen.tsx";
import { SessionGate } from "./components/SessionGate.tsx";
import { ConfigError, loadConfig } from "./config.ts";

type Startup =
  | { status: "loading" }
  | { status: "failed"; error: ConfigError }
  | { status: "ready"; apiUrl: string; auth: AuthClient };

export function App() {
  const [startup, setStartup] = useState<Startup>({ status: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    loadConfig(controller.signal).then(
      (config) => setStartup({ status: "ready", apiUrl: config.apiUrl, auth: createAmplifyAuth(config.auth) }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const configError = error instanceof ConfigError ? error : new ConfigError(String(error));
        setStartup({ status: "failed", error: configError });
      },
    );
    return () => controller.abort();
  }, []);

  switch (startup.status) {
    case "loading":
      return (
        <main className="page">
          <p role="status">Loading configuration…</p>
        </main>
      );
    case "failed":
      return <ConfigErrorScreen error={startup.error} />;
    case "ready":
      return <SessionGate auth={startup.auth} apiUrl={startup.apiUrl} />;
  }
}
