// The API client's error handling, which every component relies on for its messages.
import { describe, expect, it, vi } from "vitest";
import { ApiError, createTodoApi } from "./api.ts";

const api = createTodoApi("https://api.example.test/prod/");

function answer(status: number, body: string) {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(body, { status })));
}

describe("createTodoApi", () => {
  it("turns the API's error body into an ApiError with its code and message", async () => {
    answer(404, JSON.stringify({ error: "not_found", message: "todo not found" }));

    const error = await api.deleteTodo("todo-1").catch((e: unknown) => e);

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

    await api.deleteTodo("a/b c");

    expect(fetch).toHaveBeenCalledWith("https://api.example.test/prod/todos/a%2Fb%20c", expect.objectContaining({ method: "DELETE" }));
  });
});
