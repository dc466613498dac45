// Runtime configuration, fetched from config.json beside the app so one build runs
// both locally (written by hand) and deployed (written by the stack).

export interface AppConfig {
  /** Base URL of the todo API, always ending in "/" so paths can be appended. */
  apiUrl: string;
  /** The Cognito user pool that users sign in to. */
  auth: AuthConfig;
}

export interface AuthConfig {
  /** The pool's AWS region, e.g. "us-east-1"; its id starts with it. */
  region: string;
  userPoolId: string;
  /** The app client the SPA signs in through (public: it has no secret). */
  userPoolClientId: string;
  /**
   * USER_SRP_AUTH when deployed: the password never leaves the browser. USER_PASSWORD_AUTH
   * for the local emulator, which does not check SRP proofs but does check a plain password.
   */
  flow: "USER_SRP_AUTH" | "USER_PASSWORD_AUTH";
  /** Cognito's URL, set only for a local emulator; absent means AWS's own endpoint. */
  endpoint?: string;
}

export const CONFIG_URL = `${import.meta.env.BASE_URL}config.json`;

const HOW_TO_FIX =
  "Running locally? Start the step with `cargo run -p stepgen -- dev step07` from the repository " +
  "root, which writes web/public/config.json with the local API and user pool. " +
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
  const { apiUrl, auth } = raw as Record<string, unknown>;
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
  return { apiUrl: withSlash, auth: parseAuthConfig(auth) };
}

function parseAuthConfig(raw: unknown): AuthConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(
      `${CONFIG_URL} has no "auth" object. This step signs users in with Amazon Cognito and needs ` +
        '"auth": {"region", "userPoolId", "userPoolClientId", "flow"}, which the stack\'s outputs give.',
    );
  }
  const fields = raw as Record<string, unknown>;
  const text = (key: string): string => {
    const value = fields[key];
    if (typeof value !== "string" || value.trim() === "") {
      throw new ConfigError(`"auth" in ${CONFIG_URL} has no "${key}" string.`);
    }
    return value.trim();
  };

  const region = text("region");
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ConfigError(`"auth.region" in ${CONFIG_URL} is not an AWS region such as "us-east-1": "${region}".`);
  }
  const userPoolId = text("userPoolId");
  if (!userPoolId.startsWith(`${region}_`) || userPoolId.length === region.length + 1) {
    throw new ConfigError(
      `"auth.userPoolId" in ${CONFIG_URL} must be a user pool id in ${region}, such as "${region}_AbC123", got "${userPoolId}".`,
    );
  }
  const userPoolClientId = text("userPoolClientId");
  const flow = text("flow");
  if (flow !== "USER_SRP_AUTH" && flow !== "USER_PASSWORD_AUTH") {
    throw new ConfigError(
      `"auth.flow" in ${CONFIG_URL} must be "USER_SRP_AUTH" (deployed) or "USER_PASSWORD_AUTH" (local emulator), got "${flow}".`,
    );
  }
  const config: AuthConfig = { region, userPoolId, userPoolClientId, flow };

  const { endpoint } = fields;
  if (endpoint === undefined) return config;
  let url: URL | null = null;
  try {
    url = typeof endpoint === "string" ? new URL(endpoint.trim()) : null;
  } catch {
    // Reported below with the other ways it can be wrong.
  }
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ConfigError(
      `"auth.endpoint" in ${CONFIG_URL} must be an http:// or https:// URL such as "http://127.0.0.1:4566/", or be left out to use AWS's own, got ${JSON.stringify(endpoint)}.`,
    );
  }
  return { ...config, endpoint: url.href };
}
