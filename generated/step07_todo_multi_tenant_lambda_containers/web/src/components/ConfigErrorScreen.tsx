// Shown instead of the app when config.json is missing or wrong; says how to fix it.
import type { ConfigError } from "../config.ts";

export function ConfigErrorScreen({ error }: { error: ConfigError }) {
  return (
    <main className="page">
      <div role="alert" className="panel panel-error">
        <h1>The app is not configured</h1>
        <p>{error.message}</p>
        <p>{error.howToFix}</p>
      </div>
    </main>
  );
}
