// Runtime configuration, fetched from config.json beside the app so one build runs
// both locally (written by hand) and deployed (written by the stack).

export interface AppConfig {
  /** Base URL of the todo API, always ending in "/" so paths can be appended. */
  apiUrl: string;
}

export const CONFIG_URL = `${import.meta.env.BASE_URL}config.json`;

const HOW_TO_FIX =
  "Running locally? Start the step with `cargo run -p stepgen -- dev step00` from the repository " +
  'root, which writes web/public/config.json, or write it yourself: {"apiUrl": "http://127.0.0.1:3000/"}. ' +
  "Deployed? The stack writes config.json next to the app; redeploy it.";

/** A problem with config.json, with what went wrong and how to fix it. */
export class ConfigError extends Error {
  readonly howToFix = HOW_TO_FIX;

  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export async function loadConfig(signal?: AbortSignal): Promise<AppConfig> {
  let response: Response;
  try {
    // Asking for JSON (not */*) stops dev servers from answering with index.html.
    response = await fetch(CONFIG_URL, {
      headers: { Accept: "application/json" },
      cache: "no-store",
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ConfigError(`Could not fetch ${CONFIG_URL}: ${String(error)}.`);
  }
  if (!response.ok) {
    throw new ConfigError(`${CONFIG_URL} is missing (the server answered HTTP ${response.status}).`);
  }
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigError(`${CONFIG_URL} is not valid JSON.`);
  }
  return parseConfig(raw);
}

export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${CONFIG_URL} must be a JSON object such as {"apiUrl": "https://…/prod/"}.`);
  }
  const { apiUrl } = raw as Record<string, unknown>;
  if (typeof apiUrl !== "string" || apiUrl.trim() === "") {
    throw new ConfigError(`${CONFIG_URL} has no "apiUrl" string.`);
  }
  let url: URL;
  try {
    url = new URL(apiUrl.trim());
  } catch {
    throw new ConfigError(`"apiUrl" in ${CONFIG_URL} is not an absolute URL: "${apiUrl}".`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`"apiUrl" in ${CONFIG_URL} must start with http:// or https://, got "${apiUrl}".`);
  }
  // API Gateway stage URLs are written with and without the slash; accept both.
  const withSlash = url.href.endsWith("/") ? url.href : `${url.href}/`;
  return { apiUrl: withSlash };
}
