{% if s.sign_in %}// The app shell: load the runtime config, then let the signed-in user in (or say what is wrong).
import { useEffect, useState } from "react";
import { createAmplifyAuth } from "./amplifyAuth.ts";
import type { AuthClient } from "./auth.ts";
import { ConfigErrorScreen } from "./components/ConfigErrorScreen.tsx";
import { SessionGate } from "./components/SessionGate.tsx";
import { ConfigError, loadConfig } from "./config.ts";
{% else %}// The app shell: load the runtime config, then show the todo page (or say what is wrong).
import { useEffect, useState } from "react";
import { createTodoApi, type TodoApi } from "./api.ts";
import { ConfigErrorScreen } from "./components/ConfigErrorScreen.tsx";
import { TodoPage } from "./components/TodoPage.tsx";
import { ConfigError, loadConfig } from "./config.ts";
{% endif %}
type Startup =
  | { status: "loading" }
  | { status: "failed"; error: ConfigError }
{% if s.sign_in %}  | { status: "ready"; apiUrl: string; auth: AuthClient };
{% else %}  | { status: "ready"; api: TodoApi };
{% endif %}
export function App() {
  const [startup, setStartup] = useState<Startup>({ status: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    loadConfig(controller.signal).then(
{% if s.sign_in %}      (config) => setStartup({ status: "ready", apiUrl: config.apiUrl, auth: createAmplifyAuth(config.auth) }),
{% else %}      (config) => setStartup({ status: "ready", api: createTodoApi(config.apiUrl) }),
{% endif %}      (error: unknown) => {
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
{% if s.sign_in %}      return <SessionGate auth={startup.auth} apiUrl={startup.apiUrl} />;
{% else %}      return <TodoPage api={startup.api} />;
{% endif %}  }
}
