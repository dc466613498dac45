// An in-memory stand-in for config.json and the todo API, installed as `fetch`, so
// component tests exercise the real client code against the documented contract.
import { vi } from "vitest";
import type { Todo } from "../api.ts";
{% if s.sign_in %}import { FAKE_AUTH_CONFIG, FAKE_ID_TOKEN{% if s.tenant_claims %}, FAKE_REFRESHED_ID_TOKEN{% endif %} } from "./fakeAuth.ts";
{% endif %}
{%- if s.multi_tenant -%}
import { createFakeLists, type FakeListSeed, type FakeLists } from "./fakeLists.ts";
{% endif %}
{%- if s.metering -%}
import { createFakeUsage, type FakeUsage, type FakeUsageRecord } from "./fakeUsage.ts";
{% endif %}
export const FAKE_API_URL = "https://api.example.test/prod/";

{% if s.multi_tenant %}export {% endif %}interface CannedResponse {
  status: number;
  body?: unknown;
{%- if s.silo %}
  headers?: Record<string, string>;
{%- endif %}
}

export interface FakeApiOptions {
  /** The body of /config.json; null answers 404. Defaults to pointing at FAKE_API_URL{% if s.sign_in %} and the fake user pool{% endif %}. */
  config?: unknown;
{%- if s.multi_tenant %}
  /** Titles (or partial todos) the default list starts with, oldest first. */
  todos?: Array<string | (Partial<Todo> & { title: string })>;
  /** The lists the store starts with; by default the signed-in user's "Groceries", holding `todos`. */
  lists?: FakeListSeed[];
{%- if s.metering %}
  /** The metered usage the store starts with, as the API rolls it up per owner, day and list. */
  usage?: FakeUsageRecord[];
{%- endif %}
{%- else %}
  /** Titles (or partial todos) the store starts with, oldest first. */
  todos?: Array<string | (Partial<Todo> & { title: string })>;
{%- endif %}
}

export interface FakeApi {
{%- if s.multi_tenant %}
  /** The first list's todos as the server sees them, for asserting what was saved. */
  readonly todos: Todo[];
  /** Every list as the server sees it, and who the requests come from. */
  readonly lists: FakeLists;
{%- if s.metering %}
  /** The usage records GET /usage rolls up. */
  readonly usage: FakeUsage;
{%- endif %}
{%- else %}
  /** The store as the server sees it, for asserting what was saved. */
  readonly todos: Todo[];
{%- endif %}
  /** "METHOD /path" of every API request, then its JSON body if any, in order. */
  readonly requests: string[];
  /** Answer the next request matching `method` with `response` instead of the store. */
  failNext(method: string, response: CannedResponse): void;
  /** Hold every API request (not config.json) until the returned function is called. */
  pause(): () => void;
{% if s.sign_in %}  /** The Authorization header of every API request, in order (null when there was none). */
  readonly authorizations: Array<string | null>;
  /** The ID tokens the API accepts; any other answers 401. Clear it to revoke every session. */
  readonly acceptedTokens: Set<string>;
{% endif %}}

export function installFakeApi(options: FakeApiOptions = {}): FakeApi {
  const config = options.config === undefined ? { apiUrl: FAKE_API_URL{% if s.sign_in %}, auth: FAKE_AUTH_CONFIG{% endif %} } : options.config;
  let clock = 0;
  let nextId = 1;
  const timestamp = () => new Date(Date.UTC(2025, 0, 1, 0, 0, clock++)).toISOString();
  const makeTodo = (fields: Partial<Todo> & { title: string }): Todo => {
    const at = timestamp();
    return { id: `todo-${nextId++}`, done: false, createdAt: at, updatedAt: at,{% if s.sharing %} version: 1,{% endif %} ...fields };
  };
{%- if s.multi_tenant %}

  const lists = createFakeLists(options.lists ?? [{ name: "Groceries", todos: options.todos ?? [] }], makeTodo, timestamp);
{%- if s.metering %}
  const usage = createFakeUsage(options.usage ?? [], lists);
{%- endif %}
{%- else %}

  const todos: Todo[] = (options.todos ?? []).map((t) => makeTodo(typeof t === "string" ? { title: t } : t));
{%- endif %}
  const requests: string[] = [];
  const failures: Array<{ method: string; response: CannedResponse }> = [];
  let gate: Promise<void> | null = null;
{% if s.sign_in %}  const authorizations: Array<string | null> = [];
  const acceptedTokens = new Set([FAKE_ID_TOKEN{% if s.tenant_claims %}, FAKE_REFRESHED_ID_TOKEN{% endif %}]);
{% endif %}
  async function handle(method: string, url: URL, body: unknown{% if s.sign_in %}, authorization: string | null{% endif %}): Promise<CannedResponse> {
    if (url.pathname === "/config.json") {
      return config === null ? { status: 404, body: "Not Found" } : { status: 200, body: config };
    }
    const base = new URL(FAKE_API_URL).pathname;
    const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : null;
    const route = `${method} /${path ?? url.pathname}{% if s.sharing %}${url.search}{% endif %}`;
    requests.push(body === undefined ? route : `${route} ${JSON.stringify(body)}`);
{% if s.sign_in %}    authorizations.push(authorization);
    // As the real API: every todo route needs a valid ID token.
    const token = authorization?.match(/^Bearer (.+)$/)?.[1];
    if (token === undefined || !acceptedTokens.has(token)) {
      return { status: 401, body: { error: "unauthorized", message: "the token has expired; sign in again" } };
    }
{% endif %}
    const failure = failures.findIndex((f) => f.method === method);
    if (failure >= 0) return failures.splice(failure, 1)[0]!.response;
{%- if s.multi_tenant %}
{%- if s.metering %}

    if (path === "usage") return usage.route(method, url);
{%- endif %}

    return lists.route(method, path ?? "", body, (todoPath, todos) => todoRoute(method, url, todoPath, body, todos));
  }

  /** The todo routes of one list: `path` is relative to the list, e.g. "todos/todo-1". */
  function todoRoute(method: string, url: URL, path: string, body: unknown, todos: Todo[]): CannedResponse {
{%- else %}
{% endif %}
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
{%- if s.sharing %}
      const version = url.searchParams.get("version");
      if (version !== null && Number(version) !== todos[index]!.version) return conflict();
{%- endif %}
      todos.splice(index, 1);
      return { status: 204 };
    }
    if (method === "PATCH") {
      const changes = body as { title?: unknown; done?: unknown{% if s.sharing %}; version?: unknown{% endif %} };
{%- if s.sharing %}
      if (changes.version !== undefined && changes.version !== todos[index]!.version) return conflict();
      const updated = { ...todos[index]!, updatedAt: timestamp(), version: todos[index]!.version + 1 };
{%- else %}
      const updated = { ...todos[index]!, updatedAt: timestamp() };
{%- endif %}
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
    const { status, body: responseBody{% if s.silo %}, headers{% endif %} } = await handle(method, url, body{% if s.sign_in %}, new Headers(init?.headers).get("Authorization"){% endif %});
{%- if s.silo %}
    if (responseBody === undefined) return new Response(null, { status, headers: { ...headers } });
    const text = typeof responseBody === "string" ? responseBody : JSON.stringify(responseBody);
    return new Response(text, { status, headers: { "Content-Type": "application/json", ...headers } });
{%- else %}
    if (responseBody === undefined) return new Response(null, { status });
    const text = typeof responseBody === "string" ? responseBody : JSON.stringify(responseBody);
    return new Response(text, { status, headers: { "Content-Type": "application/json" } });
{%- endif %}
  });
  vi.stubGlobal("fetch", fakeFetch);

  return {
{%- if s.multi_tenant %}
    get todos() {
      return lists.all[0]?.todos ?? [];
    },
    lists,
{%- if s.metering %}
    usage,
{%- endif %}
{%- else %}
    todos,
{%- endif %}
    requests,
{% if s.sign_in %}    authorizations,
    acceptedTokens,
{% endif %}    failNext(method, response) {
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
}{% if s.sharing %}

function conflict(): CannedResponse {
  return { status: 409, body: { error: "conflict", message: "the todo has changed since the version you sent; reload it and try again" } };
}{% endif %}
