// The app shell: load the runtime config, then show the todo page (or say what is wrong).
import { useEffect, useState } from "react";
import { createTodoApi, type TodoApi } from "./api.ts";
import { ConfigErrorScreen } from "./components/ConfigErrorScreen.tsx";
import { TodoPage } from "./components/TodoPage.tsx";
import { ConfigError, loadConfig } from "./config.ts";

type Startup =
  | { status: "loading" }
  | { status: "failed"; error: ConfigError }
  | { status: "ready"; api: TodoApi };

export function App() {
  const [startup, setStartup] = useState<Startup>({ status: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    loadConfig(controller.signal).then(
      (config) => setStartup({ status: "ready", api: createTodoApi(config.apiUrl) }),
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
      return <TodoPage api={startup.api} />;
  }
}
