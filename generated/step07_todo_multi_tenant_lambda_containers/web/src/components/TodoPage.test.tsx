// Changing todos: add (with validation), toggle, edit, delete, and how failures are shown.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { createTodoApi } from "../api.ts";
import { FAKE_API_URL, installFakeApi, type FakeApiOptions } from "../test/fakeApi.ts";
import { fakeApiSession } from "../test/fakeAuth.ts";
import { TodoPage } from "./TodoPage.tsx";

async function renderPage(options: FakeApiOptions = {}) {
  const api = installFakeApi(options);
  const user = userEvent.setup();
  render(<TodoPage api={createTodoApi(FAKE_API_URL, fakeApiSession(), "list-1")} />);
  // The form is enabled once the first load has finished.
  await screen.findByText(/No todos yet|of \d+ done/);
  return { api, user };
}

const titleInput = () => screen.getByRole<HTMLInputElement>("textbox", { name: "New todo" });
const addButton = () => screen.getByRole<HTMLButtonElement>("button", { name: "Add" });
const checkbox = (title: string) => screen.getByRole<HTMLInputElement>("checkbox", { name: title });
const listedTitles = () =>
  screen.queryAllByRole("listitem").map((item) => item.querySelector("label")?.textContent ?? "(editing)");

describe("adding", () => {
  it("adds a trimmed todo to the end of the list and clears the input", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });

    await user.type(titleInput(), "  Walk the dog  ");
    await user.click(addButton());

    expect(await screen.findByRole("checkbox", { name: "Walk the dog" })).toBeTruthy();
    expect(listedTitles()).toEqual(["Buy milk", "Walk the dog"]);
    expect(titleInput().value).toBe("");
    expect(api.requests).toEqual(["GET /lists/list-1/todos", 'POST /lists/list-1/todos {"title":"Walk the dog"}']);
    expect(screen.getByText("Added “Walk the dog”.")).toBeTruthy();
  });

  it("submits with Enter and replaces the empty state", async () => {
    const { user } = await renderPage();

    await user.type(titleInput(), "Buy milk{Enter}");

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(screen.queryByText(/No todos yet/)).toBeNull();
  });

  it("keeps Add disabled for an empty or blank title", async () => {
    const { api, user } = await renderPage();

    expect(addButton().disabled).toBe(true);
    await user.type(titleInput(), "   ");
    expect(addButton().disabled).toBe(true);
    expect(screen.getByText("Enter a title.")).toBeTruthy();
    await user.type(titleInput(), "{Enter}");
    expect(api.requests).toEqual(["GET /lists/list-1/todos"]);
  });

  it("explains a title over 200 characters and sends nothing", async () => {
    const { api, user } = await renderPage();

    await user.click(titleInput());
    await user.paste("x".repeat(201));

    expect(addButton().disabled).toBe(true);
    expect(titleInput().getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Keep the title to 200 characters or fewer (this one has 201).")).toBeTruthy();
    await user.type(titleInput(), "{Backspace}");
    expect(addButton().disabled).toBe(false);
    expect(titleInput().getAttribute("aria-invalid")).toBe("false");
    expect(api.requests).toEqual(["GET /lists/list-1/todos"]);
  });

  it("shows the server's 400 message, keeps the list and the typed title", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });
    api.failNext("POST", { status: 400, body: { error: "validation", message: "title contains a forbidden word" } });

    await user.type(titleInput(), "Something rude{Enter}");

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not add the todo: title contains a forbidden word");
    expect(listedTitles()).toEqual(["Buy milk"]);
    expect(titleInput().value).toBe("Something rude");

    await user.click(within(alert).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("disables the form while the todo is being created", async () => {
    const { api, user } = await renderPage();
    await user.type(titleInput(), "Buy milk");
    const release = api.pause();

    await user.click(addButton());

    expect(titleInput().disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Adding…" }).disabled).toBe(true);
    release();
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(titleInput().disabled).toBe(false);
  });
});

describe("toggling", () => {
  it("marks a todo done and not done again", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });

    await user.click(checkbox("Buy milk"));
    await screen.findByText("1 of 1 done");
    expect(checkbox("Buy milk").checked).toBe(true);
    expect(api.todos[0]?.done).toBe(true);

    await user.click(checkbox("Buy milk"));
    await screen.findByText("0 of 1 done");
    expect(checkbox("Buy milk").checked).toBe(false);
    expect(api.todos[0]?.done).toBe(false);
    expect(api.requests).toEqual([
      "GET /lists/list-1/todos",
      'PATCH /lists/list-1/todos/todo-1 {"done":true,"version":1}',
      'PATCH /lists/list-1/todos/todo-1 {"done":false,"version":2}',
    ]);
  });

  it("disables the row while its change is saved", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk", "Walk the dog"] });
    const release = api.pause();

    await user.click(checkbox("Buy milk"));

    expect(checkbox("Buy milk").disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Delete Buy milk" }).disabled).toBe(true);
    expect(checkbox("Walk the dog").disabled).toBe(false);
    release();
    await screen.findByText("1 of 2 done");
    expect(checkbox("Buy milk").disabled).toBe(false);
  });
});

describe("editing", () => {
  it("renames a todo inline and saves with Enter", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });

    await user.click(screen.getByRole("button", { name: "Edit Buy milk" }));
    const input = screen.getByRole<HTMLInputElement>("textbox", { name: "New title for Buy milk" });
    expect(input.value).toBe("Buy milk");
    await user.clear(input);
    await user.type(input, "  Buy oat milk  {Enter}");

    expect(await screen.findByRole("checkbox", { name: "Buy oat milk" })).toBeTruthy();
    expect(screen.queryByRole("textbox", { name: /New title/ })).toBeNull();
    expect(api.requests).toEqual(["GET /lists/list-1/todos", 'PATCH /lists/list-1/todos/todo-1 {"title":"Buy oat milk","version":1}']);
  });

  it("saves with the Save button", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });

    await user.click(screen.getByRole("button", { name: "Edit Buy milk" }));
    await user.type(screen.getByRole("textbox", { name: "New title for Buy milk" }), " today");
    await user.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("checkbox", { name: "Buy milk today" })).toBeTruthy();
    expect(api.todos[0]?.title).toBe("Buy milk today");
  });

  it("cancels with Escape or Cancel without calling the API", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });

    await user.click(screen.getByRole("button", { name: "Edit Buy milk" }));
    await user.type(screen.getByRole("textbox", { name: "New title for Buy milk" }), " and eggs{Escape}");
    expect(checkbox("Buy milk")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Edit Buy milk" }));
    await user.type(screen.getByRole("textbox", { name: "New title for Buy milk" }), " and eggs");
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(checkbox("Buy milk")).toBeTruthy();

    expect(api.requests).toEqual(["GET /lists/list-1/todos"]);
  });

  it("disables Save for an empty title", async () => {
    const { user } = await renderPage({ todos: ["Buy milk"] });

    await user.click(screen.getByRole("button", { name: "Edit Buy milk" }));
    await user.clear(screen.getByRole("textbox", { name: "New title for Buy milk" }));

    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Save" }).disabled).toBe(true);
  });

  it("stays in edit mode and shows the error when the save fails", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });
    api.failNext("PATCH", { status: 404, body: { error: "not_found", message: "todo not found" } });

    await user.click(screen.getByRole("button", { name: "Edit Buy milk" }));
    await user.type(screen.getByRole("textbox", { name: "New title for Buy milk" }), " today{Enter}");

    expect((await screen.findByRole("alert")).textContent).toContain("Could not update “Buy milk”: todo not found");
    expect(screen.getByRole<HTMLInputElement>("textbox", { name: "New title for Buy milk" }).value).toBe("Buy milk today");
  });
});

describe("deleting", () => {
  it("removes the todo once the API confirms", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk", "Walk the dog"] });

    await user.click(screen.getByRole("button", { name: "Delete Buy milk" }));

    await screen.findByText("Deleted “Buy milk”.");
    expect(listedTitles()).toEqual(["Walk the dog"]);
    expect(api.todos.map((t) => t.title)).toEqual(["Walk the dog"]);
  });

  it("shows the empty state after the last todo is deleted", async () => {
    const { user } = await renderPage({ todos: ["Buy milk"] });

    await user.click(screen.getByRole("button", { name: "Delete Buy milk" }));

    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
  });

  it("keeps the todo and shows the error when the delete fails", async () => {
    const { api, user } = await renderPage({ todos: ["Buy milk"] });
    api.failNext("DELETE", { status: 500, body: { error: "internal", message: "the table is unavailable" } });

    await user.click(screen.getByRole("button", { name: "Delete Buy milk" }));

    expect((await screen.findByRole("alert")).textContent).toContain("Could not delete “Buy milk”: the table is unavailable");
    expect(listedTitles()).toEqual(["Buy milk"]);
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Delete Buy milk" }).disabled).toBe(false);
  });
});
