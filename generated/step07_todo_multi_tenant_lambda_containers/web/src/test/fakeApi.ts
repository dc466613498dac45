// An in-memory stand-in for config.json and the todo API, installed as `fetch`, so
// component tests exercise the real client code against the documented contract.
import { vi } from "vitest";
import type { Todo } from "../api.ts";
import { FAKE_AUTH_CONFIG, FAKE_ID_TOKEN, FAKE_REFRESHED_ID_TOKEN } from "./fakeAuth.ts";
import { createFakeLists, type FakeListSeed, type FakeLists } from "./fakeLists.ts";
import { createFakeUsage, type FakeUsage, type FakeUsageRecord } from "./fakeUsage.ts";

export const FAKE_API_URL = "https://api.example.test/prod/";

export interface CannedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeApiOptions {
  /** The body of /config.json; null answers 404. Defaults to pointing at FAKE_API_URL and the fake user pool. */
  config?: unknown;
  /** Titles (or partial todos) the default list starts with, oldest first. */
  todos?: Array<string | (Partial<Todo> & { title: string })>;
  /** The lists the store starts with; by default the signed-in user's "Groceries", holding `todos`. */
  lists?: FakeListSeed[];
  /** The metered usage the store starts with, as the API rolls it up per owner, day and list. */
  usage?: FakeUsageRecord[];
}

export interface FakeApi {
  /** The first list's todos as the server sees them, for asserting what was saved. */
  readonly todos: Todo[];
  /** Every list as the server sees it, and who the requests come from. */
  readonly lists: FakeLists;
  /** The usage records GET /usage rolls up. */
  readonly usage: FakeUsage;
  /** "METHOD /path" of every API request, then its JSON body if any, in order. */
  readonly requests: string[];
  /** Answer the next request matching `method` with `response` instead of the store. */
  failNext(method: string, response: CannedResponse): void;
  /** Hold every API request (not config.json) until the returned function is called. */
  pause(): () => void;
  /** The Authorization header of every API request, in order (null when there was none). */
  readonly authorizations: Array<string | null>;
  /** The ID tokens the API accepts; any other answers 401. Clear it to revoke every session. */
  readonly acceptedTokens: Set<string>;
}

export function installFakeApi(options: FakeApiOptions = {}): FakeApi {
  const config = options.config === undefined ? { apiUrl: FAKE_API_URL, auth: FAKE_AUTH_CONFIG } : options.config;
  let clock = 0;
  let nextId = 1;
  const timestamp = () => new Date(Date.UTC(2025, 0, 1, 0, 0, clock++)).toISOString();
  const makeTodo = (fields: Partial<Todo> & { title: string }): Todo => {
    const at = timestamp();
    return { id: `todo-${nextId++}`, done: false, createdAt: at, updatedAt: at, version: 1, ...fields };
  };

  const lists = createFakeLists(options.lists ?? [{ name: "Groceries", todos: options.todos ?? [] }], makeTodo, timestamp);
  const usage = createFakeUsage(options.usage ?? [], lists);
  const requests: string[] = [];
  const failures: Array<{ method: string; response: CannedResponse }> = [];
  let gate: Promise<void> | null = null;
  const authorizations: Array<string | null> = [];
  const acceptedTokens = new Set([FAKE_ID_TOKEN, FAKE_REFRESHED_ID_TOKEN]);

  async function handle(method: string, url: URL, body: unknown, authorization: string | null): Promise<CannedResponse> {
    if (url.pathname === "/config.json") {
      return config === null ? { status: 404, body: "Not Found" } : { status: 200, body: config };
    }
    const base = new URL(FAKE_API_URL).pathname;
    const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : null;
    const route = `${method} /${path ?? url.pathname}${url.search}`;
    requests.push(body === undefined ? route : `${route} ${JSON.stringify(body)}`);
    authorizations.push(authorization);
    // As the real API: every todo route needs a valid ID token.
    const token = authorization?.match(/^Bearer (.+)$/)?.[1];
    if (token === undefined || !acceptedTokens.has(token)) {
      return { status: 401, body: { error: "unauthorized", message: "the token has expired; sign in again" } };
    }

    const failure = failures.findIndex((f) => f.method === method);
    if (failure >= 0) return failures.splice(failure, 1)[0]!.response;

    if (path === "usage") return usage.route(method, url);

    return lists.route(method, path ?? "", body, (todoPath, todos) => todoRoute(method, url, todoPath, body, todos));
  }

  /** The todo routes of one list: `path` is relative to the list, e.g. "todos/todo-1". */
  function todoRoute(method: string, url: URL, path: string, body: unknown, todos: Todo[]): CannedResponse {
    if (path === "todos" && method === "GET") return { status: 200, body: { todos } };
    if (path === "todos" && method === "POST") {
      const title = validTitle(body);
      if (title === null) return validationError();
      const todo = makeTodo({ title });
      todos.push(todo);
      return { status: 201, body: todo };
    }
    const match = path?.match(/^todos\/([^/]+)$/);
    if (!match) return { status: 404, body: { error: "not_found", message: `no route for ${method} ${url.pathname}` } };
    const index = todos.findIndex((t) => t.id === decodeURIComponent(match[1]!));
    if (index < 0) return { status: 404, body: { error: "not_found", message: "todo not found" } };
    if (method === "DELETE") {
      const version = url.searchParams.get("version");
      if (version !== null && Number(version) !== todos[index]!.version) return conflict();
      todos.splice(index, 1);
      return { status: 204 };
    }
    if (method === "PATCH") {
      const changes = body as { title?: unknown; done?: unknown; version?: unknown };
      if (changes.version !== undefined && changes.version !== todos[index]!.version) return conflict();
      const updated = { ...todos[index]!, updatedAt: timestamp(), version: todos[index]!.version + 1 };
      if (changes.title !== undefined) {
        const title = validTitle(changes);
        if (title === null) return validationError();
        updated.title = title;
      }
      if (typeof changes.done === "boolean") updated.done = changes.done;
      todos[index] = updated;
      return { status: 200, body: updated };
    }
    return { status: 405, body: { error: "method_not_allowed", message: `${method} is not allowed here` } };
  }

  const fakeFetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input), "http://localhost/");
    if (gate && url.pathname !== "/config.json") await gate;
    const method = init?.method ?? "GET";
    const body: unknown = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const { status, body: responseBody, headers } = await handle(method, url, body, new Headers(init?.headers).get("Authorization"));
    if (responseBody === undefined) return new Response(null, { status, headers: { ...headers } });
    const text = typeof responseBody === "string" ? responseBody : JSON.stringify(responseBody);
    return new Response(text, { status, headers: { "Content-Type": "application/json", ...headers } });
  });
  vi.stubGlobal("fetch", fakeFetch);

  return {
    get todos() {
      return lists.all[0]?.todos ?? [];
    },
    lists,
    usage,
    requests,
    authorizations,
    acceptedTokens,
    failNext(method, response) {
      failures.push({ method, response });
    },
    pause() {
      let release = () => {};
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

function validTitle(body: unknown): string | null {
  const title = (body as { title?: unknown } | undefined)?.title;
  if (typeof title !== "string") return null;
  const trimmed = title.trim();
  return trimmed.length >= 1 && [...trimmed].length <= 200 ? trimmed : null;
}

function validationError(): CannedResponse {
  return { status: 400, body: { error: "validation", message: "title must be 1 to 200 characters" } };
}

function conflict(): CannedResponse {
  return { status: 409, body: { error: "conflict", message: "the todo has changed since the version you sent; reload it and try again" } };
}
