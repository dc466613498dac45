// The lists page: the switcher, creating, renaming and deleting lists, the open list kept in the
// address, and each list's todos kept apart from the others'.
import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NOT_SAVED_YET } from "../api.ts";
import { createListApi } from "../listApi.ts";
import { FAKE_API_URL, installFakeApi, type FakeApiOptions } from "../test/fakeApi.ts";
import { fakeApiSession } from "../test/fakeAuth.ts";
import { FAKE_USER } from "../test/fakeLists.ts";
import { NOT_AVAILABLE } from "../useLists.ts";
import { PREPARING_TOO_LONG } from "../useTodos.ts";
import { CHOOSE_A_LIST, ListsPage, NO_LISTS } from "./ListsPage.tsx";
import { PREPARING } from "./TodoPage.tsx";

const twoLists: FakeApiOptions = {
  lists: [
    { name: "Groceries", todos: ["Buy milk"] },
    { name: "Work", todos: ["Write report"] },
  ],
};

function renderPage(options: FakeApiOptions = twoLists) {
  const api = installFakeApi(options);
  const user = userEvent.setup();
  const page = () => <ListsPage api={createListApi(FAKE_API_URL, fakeApiSession())} email={FAKE_USER} />;
  const { unmount } = render(page());
  /** Leaves the page and comes back, as a reload does: only the address is kept. */
  const reload = () => {
    unmount();
    render(page());
  };
  return { api, user, reload };
}

const switcher = () => screen.getByRole("navigation", { name: "Lists" });
const link = (name: string) => within(switcher()).getByRole("link", { name });
const openList = () => within(switcher()).queryByRole("link", { current: "page" })?.textContent ?? null;
const newListInput = () => screen.getByRole<HTMLInputElement>("textbox", { name: "New list" });
const createButton = () => screen.getByRole<HTMLButtonElement>("button", { name: "Create list" });
const todoTitles = () => {
  const list = screen.queryByRole("list", { name: "Your todos" });
  return list === null ? [] : within(list).getAllByRole("listitem").map((item) => item.querySelector("label")?.textContent);
};

describe("the switcher", () => {
  it("lists the user's lists and opens the oldest, with its todos only", async () => {
    const { api } = renderPage();

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(within(switcher()).getAllByRole("link").map((l) => l.textContent)).toEqual(["Groceries", "Work"]);
    expect(openList()).toBe("Groceries");
    expect(screen.getByRole("heading", { name: "Groceries" })).toBeTruthy();
    expect(screen.queryByText("Write report")).toBeNull();
    expect(window.location.hash).toBe("#/lists/list-1");
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos"]);
  });

  it("switches lists: each shows its own todos, and a todo is added to the open list", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await user.click(link("Work"));

    expect(await screen.findByRole("checkbox", { name: "Write report" })).toBeTruthy();
    expect(todoTitles()).toEqual(["Write report"]);
    expect(openList()).toBe("Work");
    expect(screen.getByRole("heading", { name: "Work" })).toBeTruthy();
    expect(screen.queryByRole("heading", { name: "Groceries" })).toBeNull();
    expect(link("Work").getAttribute("href")).toBe("#/lists/list-2");

    await user.type(screen.getByRole("textbox", { name: "New todo" }), "Call the client{Enter}");
    await screen.findByRole("checkbox", { name: "Call the client" });
    expect(api.lists.named("Work").todos.map((t) => t.title)).toEqual(["Write report", "Call the client"]);
    expect(api.lists.named("Groceries").todos.map((t) => t.title)).toEqual(["Buy milk"]);

    await user.click(link("Groceries"));
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(todoTitles()).toEqual(["Buy milk"]);
    expect(api.requests).toEqual([
      "GET /lists",
      "GET /lists/list-1/todos",
      "GET /lists/list-2/todos",
      'POST /lists/list-2/todos {"title":"Call the client"}',
      "GET /lists/list-1/todos",
    ]);
  });

  it("never shows a late answer for a list the user has already left", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    const release = api.pause();

    await user.click(link("Work"));
    expect(screen.getByText("Loading todos…").getAttribute("role")).toBe("status");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Add" }).disabled).toBe(true);
    await user.click(link("Groceries"));
    release();

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(todoTitles()).toEqual(["Buy milk"]);
  });

  it("shows the load error with Retry, and Retry loads the lists", async () => {
    const { api, user } = renderPage();
    api.failNext("GET", { status: 500, body: { error: "internal", message: "the table is unavailable" } });

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load your lists: the table is unavailable");

    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
  });
});

describe("the open list in the address", () => {
  it("opens the same list again after a reload", async () => {
    const { user, reload } = renderPage();
    await user.click(await screen.findByRole("link", { name: "Work" }));
    await screen.findByRole("checkbox", { name: "Write report" });

    reload();

    expect(await screen.findByRole("checkbox", { name: "Write report" })).toBeTruthy();
    expect(openList()).toBe("Work");
  });

  it("opens the list the address names", async () => {
    window.history.replaceState(null, "", "/#/lists/list-2");
    renderPage();

    expect(await screen.findByRole("checkbox", { name: "Write report" })).toBeTruthy();
    expect(openList()).toBe("Work");
  });

  it("follows the browser's Back button", async () => {
    const { user } = renderPage();
    await user.click(await screen.findByRole("link", { name: "Work" }));
    await screen.findByRole("checkbox", { name: "Write report" });

    window.history.back();

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(openList()).toBe("Groceries");
  });

  it("says when the list in the address is not there, and shows the lists", async () => {
    window.history.replaceState(null, "", "/#/lists/list-9");
    const { api } = renderPage();

    expect((await screen.findByRole("alert")).textContent).toContain(`The list in the address ${NOT_AVAILABLE}`);
    expect(screen.getByText(CHOOSE_A_LIST)).toBeTruthy();
    expect(openList()).toBeNull();
    expect(window.location.hash).toBe("");
    expect(api.requests).toEqual(["GET /lists"]);
  });
});

describe("a list that goes away elsewhere", () => {
  it("goes back to the lists with a message when the API no longer has the open list", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    api.lists.all.splice(0, 1); // deleted in another tab

    await user.type(screen.getByRole("textbox", { name: "New todo" }), "Buy eggs{Enter}");

    expect((await screen.findByText(`“Groceries” ${NOT_AVAILABLE}`)).closest("[role=alert]")).toBeTruthy();
    expect(within(switcher()).queryByRole("link", { name: "Groceries" })).toBeNull();
    expect(screen.getByText(CHOOSE_A_LIST)).toBeTruthy();
    expect(window.location.hash).toBe("");
  });

  it("does the same when opening a list that has just gone", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    api.lists.all.splice(1, 1);

    await user.click(link("Work"));

    expect(await screen.findByText(`“Work” ${NOT_AVAILABLE}`)).toBeTruthy();
    expect(within(switcher()).getAllByRole("link").map((l) => l.textContent)).toEqual(["Groceries"]);
    expect(screen.queryByRole("checkbox")).toBeNull();
  });
});

describe("creating a list", () => {
  it("starts with an invitation to create the first list, then opens the new list", async () => {
    const { api, user } = renderPage({ lists: [] });

    expect(await screen.findByText(NO_LISTS)).toBeTruthy();
    await user.type(newListInput(), "  Groceries  ");
    await user.click(createButton());

    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
    expect(openList()).toBe("Groceries");
    expect(newListInput().value).toBe("");
    expect(screen.getByText("Created the list “Groceries”.")).toBeTruthy();
    expect(window.location.hash).toBe("#/lists/list-1");
    expect(api.requests).toEqual(["GET /lists", 'POST /lists {"name":"Groceries"}', "GET /lists/list-1/todos"]);
  });

  it("checks the name before sending it", async () => {
    const { api, user } = renderPage({ lists: [] });
    await screen.findByText(NO_LISTS);

    expect(createButton().disabled).toBe(true);
    await user.type(newListInput(), "   ");
    expect(screen.getByText("Enter a name.")).toBeTruthy();
    await user.clear(newListInput());
    await user.click(newListInput());
    await user.paste("x".repeat(101));
    expect(screen.getByText("Keep the name to 100 characters or fewer (this one has 101).")).toBeTruthy();
    expect(createButton().disabled).toBe(true);
    expect(api.requests).toEqual(["GET /lists"]);
  });

  it("keeps the typed name and says why when the API refuses it", async () => {
    const { api, user } = renderPage({ lists: [] });
    await screen.findByText(NO_LISTS);
    api.failNext("POST", { status: 400, body: { error: "validation_failed", message: "name contains a forbidden word" } });

    await user.type(newListInput(), "Something rude{Enter}");

    expect((await screen.findByRole("alert")).textContent).toContain("Could not create the list: name contains a forbidden word");
    expect(newListInput().value).toBe("Something rude");
    expect(screen.getByText(NO_LISTS)).toBeTruthy();
  });
});

describe("renaming the open list", () => {
  it("renames it in place, without reloading its todos", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await user.click(screen.getByRole("button", { name: "Rename list" }));
    const input = screen.getByRole<HTMLInputElement>("textbox", { name: "List name" });
    expect(input.value).toBe("Groceries");
    await user.clear(input);
    await user.type(input, "Food{Enter}");

    expect(await screen.findByRole("heading", { name: "Food" })).toBeTruthy();
    expect(link("Food").getAttribute("aria-current")).toBe("page");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Rename list" }));
    expect(screen.getByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos", 'PATCH /lists/list-1 {"name":"Food"}']);
  });

  it("cancels with Escape without calling the API", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await user.click(screen.getByRole("button", { name: "Rename list" }));
    await user.type(screen.getByRole("textbox", { name: "List name" }), " and more{Escape}");

    expect(screen.getByRole("heading", { name: "Groceries" })).toBeTruthy();
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos"]);
  });

  it("stays in the form and says why when the rename fails", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    api.failNext("PATCH", { status: 403, body: { error: "forbidden", message: "only the list's owner may rename it" } });

    await user.click(screen.getByRole("button", { name: "Rename list" }));
    await user.type(screen.getByRole("textbox", { name: "List name" }), "!{Enter}");

    expect((await screen.findByRole("alert")).textContent).toContain("Could not rename “Groceries”: only the list's owner may rename it");
    expect(screen.getByRole<HTMLInputElement>("textbox", { name: "List name" }).value).toBe("Groceries!");
  });
});

describe("deleting the open list", () => {
  it("asks first, and Keep list changes nothing", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await user.click(screen.getByRole("button", { name: "Delete list" }));
    const question = screen.getByRole("alertdialog", { name: "Delete “Groceries” and all its todos? This cannot be undone." });
    expect(document.activeElement).toBe(within(question).getByRole("button", { name: "Keep list" }));
    await user.click(within(question).getByRole("button", { name: "Keep list" }));

    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete list" }));
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos"]);
  });

  it("deletes it with its todos and goes back to the lists", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await user.click(screen.getByRole("button", { name: "Delete list" }));
    await user.click(screen.getByRole("button", { name: "Yes, delete list" }));

    expect(await screen.findByText(CHOOSE_A_LIST)).toBeTruthy();
    expect(within(switcher()).getAllByRole("link").map((l) => l.textContent)).toEqual(["Work"]);
    expect(screen.getByText("Deleted the list “Groceries”.")).toBeTruthy();
    expect(api.lists.all.map((list) => list.name)).toEqual(["Work"]);
    expect(window.location.hash).toBe("");
    expect(api.requests.at(-1)).toBe("DELETE /lists/list-1");
  });

  it("keeps the list and says why when the delete fails", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    api.failNext("DELETE", { status: 500, body: { error: "internal_error", message: "something went wrong on our side; please try again" } });

    await user.click(screen.getByRole("button", { name: "Delete list" }));
    await user.click(screen.getByRole("button", { name: "Yes, delete list" }));

    expect((await screen.findByRole("alert")).textContent).toContain("Could not delete “Groceries”: something went wrong on our side");
    expect(openList()).toBe("Groceries");
    expect(screen.getByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
  });
});

describe("a list being prepared (its own table is still being created)", () => {
  // Retry-After is in seconds: the clock is faked, and moved on by the tests.
  afterEach(() => vi.useRealTimers());

  function renderPreparingPage(options: FakeApiOptions) {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const page = renderPage(options);
    return { ...page, user: userEvent.setup({ advanceTimers: vi.advanceTimersByTime }) };
  }

  const wait = (seconds: number) => act(() => vi.advanceTimersByTimeAsync(seconds * 1000));
  const preparing = () => screen.queryByText(PREPARING)?.closest("[role=status]") ?? null;
  const newTodoInput = () => screen.queryByRole<HTMLInputElement>("textbox", { name: "New todo" });

  it("opens a new list, says it is being prepared, and shows it once its table is ready", async () => {
    const { api, user } = renderPreparingPage({ lists: [] });
    await screen.findByText(NO_LISTS);
    api.lists.prepareNewListsFor = 2;

    await user.type(newListInput(), "Groceries{Enter}");

    expect(await screen.findByText(PREPARING)).toBeTruthy();
    expect(preparing()?.getAttribute("aria-live")).toBe("polite");
    expect(newTodoInput()).toBeNull();
    expect(link("Groceries Preparing…").getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("heading", { name: "Groceries" })).toBeTruthy();

    await wait(2);
    expect(preparing()).not.toBeNull();
    await wait(2);

    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
    expect(preparing()).toBeNull();
    expect(link("Groceries").getAttribute("aria-current")).toBe("page");
    await user.type(newTodoInput()!, "Buy milk{Enter}");
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(api.requests).toEqual([
      "GET /lists",
      'POST /lists {"name":"Groceries"}',
      "GET /lists/list-1/todos",
      "GET /lists/list-1/todos",
      "GET /lists/list-1/todos",
      'POST /lists/list-1/todos {"title":"Buy milk"}',
    ]);
  });

  it("labels a list being prepared in the switcher until it has been opened and is ready", async () => {
    const { api, user } = renderPreparingPage({
      lists: [{ name: "Groceries", todos: ["Buy milk"] }, { name: "Work", todos: ["Write report"], preparingFor: 2 }],
    });
    await screen.findByRole("checkbox", { name: "Buy milk" });
    expect(within(switcher()).getAllByRole("link").map((l) => l.textContent)).toEqual(["Groceries", "Work Preparing…"]);

    await user.click(link("Work Preparing…"));
    expect(await screen.findByText(PREPARING)).toBeTruthy();
    await wait(2);
    await wait(2);

    expect(await screen.findByRole("checkbox", { name: "Write report" })).toBeTruthy();
    expect(within(switcher()).getAllByRole("link").map((l) => l.textContent)).toEqual(["Groceries", "Work"]);
    expect(api.requests.filter((request) => request === "GET /lists/list-2/todos")).toHaveLength(3);
  });

  it("asks again after 2 seconds when the 503 has no Retry-After (or the browser may not read it)", async () => {
    const { api } = renderPreparingPage({ lists: [{ name: "Groceries", preparingFor: 1 }] });
    api.lists.retryAfter = null;
    await screen.findByText(PREPARING);

    await wait(2);

    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos", "GET /lists/list-1/todos"]);
  });

  it("stops after a minute and offers Retry, which asks again", async () => {
    const { api, user } = renderPreparingPage({ lists: [{ name: "Groceries", preparingFor: 1000 }] });
    await screen.findByText(PREPARING);

    await wait(58);
    expect(preparing()).not.toBeNull();
    await wait(2);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(`Could not load your todos: ${PREPARING_TOO_LONG}`);
    expect(preparing()).toBeNull();
    const asked = api.requests.length;
    await wait(10);
    expect(api.requests.length).toBe(asked);

    api.lists.named("Groceries").preparingFor = 0;
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
  });

  it("keeps a todo refused with 503 in the form, and saves it after Retry-After", async () => {
    const { api, user } = renderPreparingPage({ todos: ["Buy milk"] });
    await screen.findByRole("checkbox", { name: "Buy milk" });
    const message = "list list-1 is being prepared; try again in a few seconds";
    api.failNext("POST", { status: 503, headers: { "Retry-After": "3" }, body: { error: "unavailable", message } });

    await user.type(newTodoInput()!, "Buy eggs{Enter}");

    expect(await screen.findByRole("button", { name: "Adding…" })).toBeTruthy();
    expect(newTodoInput()!.value).toBe("Buy eggs");
    await wait(3);
    expect(await screen.findByRole("checkbox", { name: "Buy eggs" })).toBeTruthy();
    expect(newTodoInput()!.value).toBe("");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(api.requests.filter((r) => r.startsWith("POST"))).toEqual([
      'POST /lists/list-1/todos {"title":"Buy eggs"}',
      'POST /lists/list-1/todos {"title":"Buy eggs"}',
    ]);
  });

  it("says a change is not saved yet when the list stays unready, and keeps what was typed", async () => {
    const { api, user } = renderPreparingPage({ lists: [{ name: "Groceries", preparingFor: 1000 }] });
    await screen.findByText(PREPARING);

    await user.click(screen.getByRole("button", { name: "Rename list" }));
    await user.type(screen.getByRole("textbox", { name: "List name" }), "!{Enter}");
    for (let retry = 0; retry < 3; retry++) await wait(2);

    expect((await screen.findByRole("alert")).textContent).toContain(`Could not rename “Groceries”: ${NOT_SAVED_YET}`);
    expect(screen.getByRole<HTMLInputElement>("textbox", { name: "List name" }).value).toBe("Groceries!");
    expect(api.requests.filter((r) => r.startsWith("PATCH"))).toHaveLength(4);
    expect(api.lists.named("Groceries").name).toBe("Groceries");

    api.lists.named("Groceries").preparingFor = 0;
    await user.click(screen.getByRole("button", { name: "Save name" }));
    expect(await screen.findByRole("heading", { name: "Groceries!" })).toBeTruthy();
  });
});
