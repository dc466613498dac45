// step00, a single-tenant todo app with no sign-in: what a new user does with it, in Chromium,
// against the real API and DynamoDB on moto (started by `stepgen dev step00`).
import type { Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useStepJourneys } from "../src/harness/journeys.ts";
import { todoApi } from "../src/steps/step00/todoApi.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";

const journey = useStepJourneys("step00", {
  // Everyone shares one list in this step, so a clean slate means deleting every todo.
  reset: (stack) => todoApi(stack.api).removeAll(),
});
const server = () => todoApi(journey.stack.api);
const openApp = async () => {
  const app = todoPage(journey.page);
  await app.open();
  return app;
};
/** The UI changes only after the API answers (no optimistic updates), so wait for it. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });
const storedTitles = async () => (await server().list()).map((todo) => todo.title);

describe("a first visit", () => {
  it("shows the empty state, no list, and an Add button waiting for a title", async () => {
    const app = await openApp();

    expect(await app.emptyState.isVisible()).toBe(true);
    expect(await app.list.count()).toBe(0);
    expect(await app.alert.count()).toBe(0);
    expect(await app.newTodo.isEditable()).toBe(true);
    expect(await app.addButton.isDisabled()).toBe(true);
  });
});

describe("adding todos", () => {
  it("lists three new todos in the order they were added and stores them", async () => {
    const app = await openApp();

    for (const title of ["Buy milk", "Call mom", "Pay rent"]) {
      await app.add(title);
      // The form is ready for the next todo at once: cleared, with the focus back in it.
      expect(await app.newTodo.inputValue()).toBe("");
      await eventually(() => app.newTodo.evaluate((input) => input === document.activeElement)).toBe(true);
    }

    expect(await app.titles()).toEqual(["Buy milk", "Call mom", "Pay rent"]);
    expect(await app.doneCount.textContent()).toBe("0 of 3 done");
    expect(await app.emptyState.count()).toBe(0);
    expect(await storedTitles()).toEqual(["Buy milk", "Call mom", "Pay rent"]);
  });

  it("adds with the Enter key and trims the title", async () => {
    const app = await openApp();

    await app.newTodo.fill("  Water the plants  ");
    await app.newTodo.press("Enter");

    await app.checkbox("Water the plants").waitFor();
    expect(await storedTitles()).toEqual(["Water the plants"]);
  });
});

describe("editing a title", () => {
  it("saves with Enter and cancels with Escape", async () => {
    const app = await openApp();
    await app.add("Buy milk");
    await app.add("Call mom");

    await app.editButton("Buy milk").click();
    expect(await app.editInput("Buy milk").inputValue()).toBe("Buy milk");
    await app.editInput("Buy milk").fill("Buy oat milk");
    await app.editInput("Buy milk").press("Enter");

    await app.checkbox("Buy oat milk").waitFor();
    expect(await app.editInput("Buy milk").count()).toBe(0);
    expect(await app.titles()).toEqual(["Buy oat milk", "Call mom"]);
    expect(await storedTitles()).toEqual(["Buy oat milk", "Call mom"]);

    await app.editButton("Call mom").click();
    await app.editInput("Call mom").fill("Call dad");
    await app.editInput("Call mom").press("Escape");

    await app.editInput("Call mom").waitFor({ state: "detached" });
    expect(await app.titles()).toEqual(["Buy oat milk", "Call mom"]);
    // A keyboard user lands back on the Edit button they started from.
    await eventually(() => app.editButton("Call mom").evaluate((button) => button === document.activeElement)).toBe(true);
    expect(await storedTitles()).toEqual(["Buy oat milk", "Call mom"]);
  });

  it("saves with the Save button and cancels with the Cancel button", async () => {
    const app = await openApp();
    await app.add("Buy milk");

    await app.editButton("Buy milk").click();
    await app.editInput("Buy milk").fill("Buy milk and eggs");
    await app.cancelButton.click();
    expect(await app.titles()).toEqual(["Buy milk"]);

    await app.editButton("Buy milk").click();
    await app.editInput("Buy milk").fill("Buy bread");
    await app.saveButton.click();

    await app.checkbox("Buy bread").waitFor();
    expect(await storedTitles()).toEqual(["Buy bread"]);
  });
});

describe("completing a todo", () => {
  it("marks it done, keeps it listed, and can undo it", async () => {
    const app = await openApp();
    await app.add("Buy milk");
    await app.add("Call mom");

    // click(), not check(): the checkbox only flips once the API has stored the change.
    await app.checkbox("Call mom").click();

    await eventually(() => app.checkbox("Call mom").isChecked()).toBe(true);
    expect(await app.doneCount.textContent()).toBe("1 of 2 done");
    expect(await app.todos()).toEqual([
      { title: "Buy milk", done: false },
      { title: "Call mom", done: true },
    ]);
    expect((await server().list()).map((todo) => todo.done)).toEqual([false, true]);

    await app.checkbox("Call mom").click();
    await eventually(() => app.doneCount.textContent()).toBe("0 of 2 done");
    expect((await server().list()).map((todo) => todo.done)).toEqual([false, false]);
  });
});

describe("deleting a todo", () => {
  it("removes it from the list and the server, and shows the empty state after the last", async () => {
    const app = await openApp();
    await app.add("Buy milk");
    await app.add("Call mom");

    await app.deleteButton("Buy milk").click();

    await app.checkbox("Buy milk").waitFor({ state: "detached" });
    expect(await app.titles()).toEqual(["Call mom"]);
    expect(await storedTitles()).toEqual(["Call mom"]);

    await app.deleteButton("Call mom").click();
    await app.emptyState.waitFor();
    expect(await storedTitles()).toEqual([]);
  });
});

describe("persistence", () => {
  it("shows exactly the surviving todos and their done state after a reload and on another device", async () => {
    const app = await openApp();
    for (const title of ["Buy milk", "Call mom", "Pay rent", "Book dentist"]) await app.add(title);
    await app.checkbox("Call mom").click();
    await eventually(() => app.checkbox("Call mom").isChecked()).toBe(true);
    await app.deleteButton("Pay rent").click();
    await app.checkbox("Pay rent").waitFor({ state: "detached" });
    await app.editButton("Book dentist").click();
    await app.editInput("Book dentist").fill("Book the dentist");
    await app.editInput("Book dentist").press("Enter");
    await app.checkbox("Book the dentist").waitFor();
    const survivors = [
      { title: "Buy milk", done: false },
      { title: "Call mom", done: true },
      { title: "Book the dentist", done: false },
    ];

    await journey.page.reload();
    await app.list.waitFor();
    expect(await app.todos()).toEqual(survivors);

    // A fresh browser context shares no storage with the first: what it shows came from DynamoDB.
    const elsewhere = await journey.context.browser()!.newContext({ baseURL: journey.stack.spa });
    try {
      const otherApp = todoPage(await elsewhere.newPage());
      await otherApp.open();
      expect(await otherApp.todos()).toEqual(survivors);
    } finally {
      await elsewhere.close();
    }
  });
});

describe("title validation in the browser", () => {
  it("explains an empty and an over-long title and sends nothing", async () => {
    const app = await openApp();
    const writes: string[] = [];
    journey.page.on("request", (request) => {
      if (request.method() !== "GET" && request.method() !== "OPTIONS") writes.push(`${request.method()} ${request.url()}`);
    });

    await app.newTodo.fill("   ");
    await journey.page.getByText("Enter a title.", { exact: true }).waitFor();
    expect(await app.addButton.isDisabled()).toBe(true);
    expect(await app.newTodo.getAttribute("aria-invalid")).toBe("true");
    await app.newTodo.press("Enter");

    await app.newTodo.fill("x".repeat(201));
    await journey.page.getByText("Keep the title to 200 characters or fewer (this one has 201).", { exact: true }).waitFor();
    expect(await app.addButton.isDisabled()).toBe(true);
    await app.newTodo.press("Enter");

    await app.newTodo.press("Backspace");
    await eventually(() => app.addButton.isEnabled()).toBe(true);
    expect(await app.newTodo.getAttribute("aria-invalid")).toBe("false");

    expect(writes).toEqual([]);
    expect(await app.emptyState.isVisible()).toBe(true);
    expect(await storedTitles()).toEqual([]);
  });

  it("keeps Save disabled while an edited title is empty", async () => {
    const app = await openApp();
    await app.add("Buy milk");

    await app.editButton("Buy milk").click();
    await app.editInput("Buy milk").fill("");

    expect(await app.saveButton.isDisabled()).toBe(true);
    await app.editInput("Buy milk").press("Enter");
    expect(await app.editInput("Buy milk").isVisible()).toBe(true);
    expect(await storedTitles()).toEqual(["Buy milk"]);
  });

  it("accepts 200 characters, counted as the API counts them (an emoji is one)", async () => {
    const app = await openApp();
    const longest = "🙂".repeat(200); // 400 UTF-16 code units, 200 code points

    await app.add(longest);

    expect(await storedTitles()).toEqual([longest]);
  });
});

describe("errors from the API", () => {
  it("shows the API's 400 message in the alert region and keeps the typed title", async () => {
    const app = await openApp();
    await app.add("Buy milk");
    const todosUrl = new URL("todos", journey.stack.api).href;
    await journey.page.route(todosUrl, (route) =>
      route.request().method() === "POST"
        ? fulfillJson(route, 400, { error: "validation", message: "title contains a forbidden word" })
        : route.fallback(),
    );

    await app.newTodo.fill("Something rude");
    await app.newTodo.press("Enter");

    await app.alert.waitFor();
    expect(await app.alert.textContent()).toContain("Could not add the todo: title contains a forbidden word");
    expect(await app.titles()).toEqual(["Buy milk"]);
    expect(await app.newTodo.inputValue()).toBe("Something rude");
    expect(await storedTitles()).toEqual(["Buy milk"]);

    await app.alert.getByRole("button", { name: "Dismiss" }).click();
    await app.alert.waitFor({ state: "detached" });
  });

  it("shows the API's real 404 for a todo deleted elsewhere, and still lets the user delete it", async () => {
    const app = await openApp();
    await app.add("Buy milk");
    const [stored] = await server().list();
    // Another tab or device deletes it; this page still shows it.
    await server().remove(stored!.id);

    await app.editButton("Buy milk").click();
    await app.editInput("Buy milk").fill("Buy oat milk");
    await app.editInput("Buy milk").press("Enter");

    await app.alert.waitFor();
    expect(await app.alert.textContent()).toContain(`Could not update “Buy milk”: todo ${stored!.id} does not exist`);
    expect(await app.editInput("Buy milk").inputValue()).toBe("Buy oat milk");

    // Deleting what is already gone meets the user's intent: no error, just gone.
    await app.cancelButton.click();
    await app.deleteButton("Buy milk").click();
    await app.emptyState.waitFor();
    expect(await app.alert.count()).toBe(0);
  });

  it("explains a list that cannot be loaded and recovers with Retry", async () => {
    const todosUrl = new URL("todos", journey.stack.api).href;
    await journey.page.route(todosUrl, (route) => route.abort("connectionrefused"));

    const app = await openApp();
    await app.alert.waitFor();
    expect(await app.alert.textContent()).toContain(`Could not load your todos: Could not reach the API at ${todosUrl}`);
    expect(await app.addButton.isDisabled()).toBe(true);

    await journey.page.unroute(todosUrl);
    await app.alert.getByRole("button", { name: "Retry" }).click();
    await app.emptyState.waitFor();
    expect(await app.alert.count()).toBe(0);
  });
});

/** A cross-origin JSON answer the SPA's fetch accepts: it needs the CORS header like the real API's. */
function fulfillJson(route: Route, status: number, body: unknown): Promise<void> {
  const origin = route.request().headers()["origin"] ?? "*";
  return route.fulfill({
    status,
    contentType: "application/json",
    headers: { "Access-Control-Allow-Origin": origin },
    body: JSON.stringify(body),
  });
}
