// The JSON `stepgen dev <step> --ready-file F` writes once every part of the step answers.
import { readFile } from "node:fs/promises";

export interface DemoUser {
  /** `email` in the brief's contract; `username` in stepgen dev's output; either may be present. */
  email?: string;
  username?: string;
  password: string;
}

export interface StackInfo {
  step: string;
  /** Base URLs, each ending in "/". */
  spa: string;
  api: string;
  emulator: string;
  /** Logical id in the template -> physical table name in the emulator. */
  tables: Record<string, string>;
  /** A demo user for steps with sign-in; null when the step has none. */
  user: DemoUser | null;
  /** The SPA's web/public/config.json as stepgen dev wrote it (the user pool, for sign-in steps). */
  spaConfig?: SpaConfig;
}

export interface SpaConfig {
  apiUrl: string;
  auth?: { region: string; userPoolId: string; userPoolClientId: string; endpoint?: string; flow: string };
}

export async function readReadyFile(file: string): Promise<StackInfo> {
  const text = await readFile(file, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON (${String(error)}): ${text.slice(0, 200)}`);
  }
  return parseStackInfo(raw, file);
}

export function parseStackInfo(raw: unknown, source: string): StackInfo {
  const problem = (what: string) => new Error(`${source}: ${what} (got ${JSON.stringify(raw)})`);
  if (!isRecord(raw)) throw problem("expected a JSON object");
  const url = (key: string): string => {
    const value = raw[key];
    if (typeof value !== "string" || !/^https?:\/\//.test(value)) throw problem(`"${key}" must be an http(s) URL`);
    return value.endsWith("/") ? value : `${value}/`;
  };
  if (typeof raw["step"] !== "string") throw problem('"step" must be a string');
  const tables = raw["tables"] ?? {};
  if (!isRecord(tables) || !Object.values(tables).every((name) => typeof name === "string")) {
    throw problem('"tables" must map logical ids to table names');
  }
  return {
    step: raw["step"],
    spa: url("spa"),
    api: url("api"),
    emulator: url("emulator"),
    tables: tables as Record<string, string>,
    user: parseUser(raw["user"], problem),
    ...(isRecord(raw["spaConfig"]) ? { spaConfig: parseSpaConfig(raw["spaConfig"], problem) } : {}),
  };
}

function parseSpaConfig(raw: Record<string, unknown>, problem: (what: string) => Error): SpaConfig {
  if (typeof raw["apiUrl"] !== "string") throw problem('"spaConfig.apiUrl" must be a string');
  const auth = raw["auth"];
  if (auth === undefined) return { apiUrl: raw["apiUrl"] };
  const text = (key: string): string => {
    const value = isRecord(auth) ? auth[key] : undefined;
    if (typeof value !== "string") throw problem(`"spaConfig.auth.${key}" must be a string`);
    return value;
  };
  const endpoint = isRecord(auth) && typeof auth["endpoint"] === "string" ? { endpoint: auth["endpoint"] } : {};
  return {
    apiUrl: raw["apiUrl"],
    auth: { region: text("region"), userPoolId: text("userPoolId"), userPoolClientId: text("userPoolClientId"), flow: text("flow"), ...endpoint },
  };
}

function parseUser(raw: unknown, problem: (what: string) => Error): DemoUser | null {
  if (raw === null || raw === undefined) return null;
  if (!isRecord(raw) || typeof raw["password"] !== "string") throw problem('"user" must be null or {email|username, password}');
  const user: DemoUser = { password: raw["password"] };
  if (typeof raw["email"] === "string") user.email = raw["email"];
  if (typeof raw["username"] === "string") user.username = raw["username"];
  return user;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
