// The API client's error handling, which every component relies on for its messages.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, createTodoApi, NOT_SAVED_YET, WRITE_RETRIES } from "./api.ts";
import { AUTH_MESSAGES, AuthFailure } from "./auth.ts";
import { fakeApiSession } from "./test/fakeAuth.ts";

const api = createTodoApi("https://api.example.test/prod/", fakeApiSession(), "list-1");

function answer(status: number, body: string) {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(body, { status })));
}

describe("createTodoApi", () => {
  it("turns the API's error body into an ApiError with its code and message", async () => {
    answer(404, JSON.stringify({ error: "not_found", message: "todo not found" }));

    const error = await api.deleteTodo("todo-1", 1).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: "not_found", message: "todo not found" });
  });

  it("explains an error response without a JSON body", async () => {
    answer(502, "<html>Bad Gateway</html>");

    await expect(api.listTodos()).rejects.toThrow("The API answered HTTP 502 without an error message.");
  });

  it("says the API is unreachable when fetch itself fails", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));

    await expect(api.listTodos()).rejects.toMatchObject({ status: 0, code: "unreachable" });
  });

  it("rejects a body that is not a todo list", async () => {
    answer(200, JSON.stringify({ items: [] }));

    await expect(api.listTodos()).rejects.toMatchObject({ code: "invalid_response" });
  });

  it("escapes ids in the path", async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetch);

    await createTodoApi("https://api.example.test/prod/", fakeApiSession(), "list/1").deleteTodo("a/b c", 3);

    expect(fetch).toHaveBeenCalledWith(
      "https://api.example.test/prod/lists/list%2F1/todos/a%2Fb%20c?version=3",
      expect.objectContaining({ method: "DELETE" }),
    );
  });
});

describe("createTodoApi with a session", () => {
  const answered = (status: number, body: unknown) =>
    vi.fn(async (_url: string, _init: RequestInit) => new Response(JSON.stringify(body), { status }));
  const authorizationOf = (init: RequestInit | undefined) => (init?.headers as Record<string, string>)["Authorization"];

  it("asks for the ID token before every call and sends it as a Bearer token", async () => {
    const fetch = answered(200, { todos: [] });
    vi.stubGlobal("fetch", fetch);
    const tokens = ["token-1", "token-2"];
    const session = { idToken: vi.fn(async () => tokens.shift() ?? "none"), onUnauthorized: vi.fn(), refresh: async () => {} };
    const signedIn = createTodoApi("https://api.example.test/prod/", session, "list-1");

    await signedIn.listTodos();
    await signedIn.listTodos();

    expect(fetch.mock.calls.map(([, init]) => authorizationOf(init))).toEqual(["Bearer token-1", "Bearer token-2"]);
    expect(session.onUnauthorized).not.toHaveBeenCalled();
  });

  it("tells the session when the API answers 401, and rejects with the API's message", async () => {
    vi.stubGlobal("fetch", answered(401, { error: "unauthorized", message: "the token has expired; sign in again" }));
    const session = { idToken: async () => "expired-token", onUnauthorized: vi.fn(), refresh: async () => {} };

    const error = await createTodoApi("https://api.example.test/prod/", session, "list-1").listTodos().catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 401, code: "unauthorized", message: "the token has expired; sign in again" });
    expect(session.onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("keeps the session on other refusals, such as keys that cannot be fetched (503)", async () => {
    vi.stubGlobal("fetch", answered(503, { error: "auth_unavailable", message: "sign-in cannot be checked right now" }));
    const session = { idToken: async () => "token", onUnauthorized: vi.fn(), refresh: async () => {} };

    await expect(createTodoApi("https://api.example.test/prod/", session, "list-1").listTodos()).rejects.toMatchObject({ status: 503 });
    expect(session.onUnauthorized).not.toHaveBeenCalled();
  });

  it("sends nothing when there is no token to send", async () => {
    const fetch = answered(200, { todos: [] });
    vi.stubGlobal("fetch", fetch);
    const expired = new AuthFailure("sessionExpired", AUTH_MESSAGES.sessionExpired);
    const session = { idToken: async () => Promise.reject(expired), onUnauthorized: vi.fn(), refresh: async () => {} };

    await expect(createTodoApi("https://api.example.test/prod/", session, "list-1").listTodos()).rejects.toBe(expired);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("a list still being prepared (503 with Retry-After)", () => {
  const preparing = { error: "unavailable", message: "list list-1 is being prepared; try again in a few seconds" };
  const todo = { id: "todo-1", title: "Buy milk", done: false, createdAt: "2025-01-01T00:00:00Z", updatedAt: "2025-01-01T00:00:00Z", version: 1 };

  /** Answers each request with the next of `answers`, as [status, body, Retry-After]. */
  function answers(...list: Array<[status: number, body: unknown, retryAfter?: string | undefined]>) {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => {
      const [status, body, retryAfter] = list.shift() ?? [500, { error: "internal", message: "no more answers" }];
      return new Response(JSON.stringify(body), { status, headers: retryAfter === undefined ? {} : { "Retry-After": retryAfter } });
    });
    vi.stubGlobal("fetch", fetch);
    return fetch;
  }

  afterEach(() => vi.useRealTimers());

  it.each([
    ["5", 5],
    ["0", 1],
    ["3600", 30],
    [undefined, 2],
    ["Wed, 21 Oct 2015 07:28:00 GMT", 2],
    ["soon", 2],
  ])("gives the error its status and Retry-After %j as %j seconds", async (header, seconds) => {
    answers([503, preparing, header]);

    const error = await api.listTodos().catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 503, code: "unavailable", message: preparing.message, retryAfter: seconds });
  });

  it("gives other errors no Retry-After", async () => {
    answers([404, { error: "not_found", message: "todo not found" }, "5"]);

    await expect(api.listTodos()).rejects.toMatchObject({ status: 404, retryAfter: null });
  });

  it("sends a refused write again after Retry-After, and resolves when it is saved", async () => {
    vi.useFakeTimers();
    const fetch = answers([503, preparing, "3"], [201, todo]);

    const saved = api.createTodo("Buy milk");
    await vi.advanceTimersByTimeAsync(2999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(await saved).toEqual(todo);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("gives up after a few retries: the write is not saved yet", async () => {
    vi.useFakeTimers();
    const fetch = answers(...Array.from({ length: WRITE_RETRIES + 1 }, (): [number, unknown, string] => [503, preparing, "2"]));

    const saved = api.createTodo("Buy milk").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(WRITE_RETRIES * 2000);

    expect(await saved).toMatchObject({ status: 503, message: NOT_SAVED_YET });
    expect(fetch).toHaveBeenCalledTimes(WRITE_RETRIES + 1);
  });

  it("leaves reads and other 503s to the caller", async () => {
    const fetch = answers([503, preparing, "2"], [503, { error: "auth_unavailable", message: "sign-in cannot be checked right now" }]);

    await expect(api.listTodos()).rejects.toMatchObject({ status: 503, message: preparing.message });
    await expect(api.createTodo("Buy milk")).rejects.toMatchObject({ status: 503, code: "auth_unavailable" });
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
