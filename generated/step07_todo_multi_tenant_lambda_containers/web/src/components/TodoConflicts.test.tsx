// Two people changing the same todo: each change names the version it was made on, and a
// change to an outdated todo is refused (409). The list then shows the latest version and says
// that the change was not applied, so nothing is lost without the user knowing.
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { createTodoApi } from "../api.ts";
import { FAKE_API_URL, installFakeApi } from "../test/fakeApi.ts";
import { fakeApiSession } from "../test/fakeAuth.ts";
import { TodoPage } from "./TodoPage.tsx";

async function renderPage() {
  const api = installFakeApi({ todos: ["Buy milk"] });
  const user = userEvent.setup();
  render(<TodoPage api={createTodoApi(FAKE_API_URL, fakeApiSession(), "list-1")} />);
  await screen.findByRole("checkbox", { name: "Buy milk" });
  /** Someone else renames the first todo, as the API would record it. */
  const changeElsewhere = (title: string) => {
    const todo = api.todos[0]!;
    api.todos[0] = { ...todo, title, version: todo.version + 1 };
  };
  return { api, user, changeElsewhere };
}

const NOT_APPLIED = "Your change to “Buy milk” was not applied: someone else changed it first.";

describe("versions", () => {
  it("sends the version of the todo each change was made on", async () => {
    const { api, user } = await renderPage();

    await user.click(screen.getByRole("checkbox", { name: "Buy milk" }));
    await screen.findByText("1 of 1 done");
    await user.click(screen.getByRole("button", { name: "Delete Buy milk" }));
    await screen.findByText("Deleted “Buy milk”.");

    expect(api.requests).toEqual([
      "GET /lists/list-1/todos",
      'PATCH /lists/list-1/todos/todo-1 {"done":true,"version":1}',
      "DELETE /lists/list-1/todos/todo-1?version=2",
    ]);
  });
});

describe("a change to a todo someone else changed first", () => {
  it("is not applied: the list reloads with their change and says so", async () => {
    const { api, user, changeElsewhere } = await renderPage();
    changeElsewhere("Buy oat milk");

    await user.click(screen.getByRole("checkbox", { name: "Buy milk" }));

    expect((await screen.findByRole("alert")).textContent).toContain(NOT_APPLIED);
    expect(await screen.findByRole("checkbox", { name: "Buy oat milk" })).toBeTruthy();
    expect(screen.getByRole<HTMLInputElement>("checkbox", { name: "Buy oat milk" }).checked).toBe(false);
    expect(api.todos[0]).toMatchObject({ title: "Buy oat milk", done: false, version: 2 });
    expect(api.requests).toEqual([
      "GET /lists/list-1/todos",
      'PATCH /lists/list-1/todos/todo-1 {"done":true,"version":1}',
      "GET /lists/list-1/todos",
    ]);
  });

  it("keeps an edit's typed title, so it can be saved again on the latest version", async () => {
    const { api, user, changeElsewhere } = await renderPage();
    await user.click(screen.getByRole("button", { name: "Edit Buy milk" }));
    changeElsewhere("Buy oat milk");

    await user.type(screen.getByRole("textbox", { name: "New title for Buy milk" }), " and eggs{Enter}");

    expect((await screen.findByRole("alert")).textContent).toContain(NOT_APPLIED);
    const input = await screen.findByRole<HTMLInputElement>("textbox", { name: "New title for Buy oat milk" });
    expect(input.value).toBe("Buy milk and eggs");
    await user.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("checkbox", { name: "Buy milk and eggs" })).toBeTruthy();
    expect(api.todos[0]).toMatchObject({ title: "Buy milk and eggs", version: 3 });
    expect(api.requests.at(-1)).toBe('PATCH /lists/list-1/todos/todo-1 {"title":"Buy milk and eggs","version":2}');
  });

  it("does not delete it: the todo stays, in its latest version, until deleted again", async () => {
    const { api, user, changeElsewhere } = await renderPage();
    changeElsewhere("Buy oat milk");

    await user.click(screen.getByRole("button", { name: "Delete Buy milk" }));

    expect((await screen.findByRole("alert")).textContent).toContain(
      "“Buy milk” was not deleted: someone else changed it first. The list now shows the latest version; delete it again if you still want to.",
    );
    await user.click(await screen.findByRole("button", { name: "Delete Buy oat milk" }));
    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
    expect(api.todos).toEqual([]);
    expect(api.requests.slice(1)).toEqual([
      "DELETE /lists/list-1/todos/todo-1?version=1",
      "GET /lists/list-1/todos",
      "DELETE /lists/list-1/todos/todo-1?version=2",
    ]);
  });
});
