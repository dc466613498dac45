// step02, many tenants in one table: a new user signs up, keeps several lists apart, and
// nobody else sees them. Chromium against the real API, DynamoDB, STS and Cognito on moto.
import { describe, expect, it } from "vitest";
import { cognito, demoUser } from "../src/harness/cognito.ts";
import { useStepJourneys } from "../src/harness/journeys.ts";
import type { RunningStack } from "../src/harness/stack.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";
import { signInPage } from "../src/steps/step01/signInPage.ts";
import { listsApi } from "../src/steps/step02/listsApi.ts";
import { listsPage, signUpPage } from "../src/steps/step02/listsPage.ts";

const PASSWORD = "Sign-up-pass-1";
let users = 0;
/** A new address per test: users stay in the emulator's pool for the stack's lifetime. */
const newEmail = (who: string) => `${who}-${Date.now()}-${++users}@example.com`;

function apiAs(stack: RunningStack, email: string, password = PASSWORD) {
  return listsApi(stack.api, async () => (await cognito(stack).signIn(email, password)).idToken);
}

const journey = useStepJourneys("step02", {
  // Fresh users per test own nothing; only the demo user's lists need clearing.
  reset: async (stack) => {
    const demo = demoUser(stack);
    await apiAs(stack, demo.email, demo.password).removeEverything();
  },
});

async function signedUp(email: string) {
  const page = journey.page;
  await signInPage(page).open();
  await signUpPage(page).signUp(email, PASSWORD);
  await signInPage(page).signOutButton.waitFor();
  return listsPage(page);
}

describe("a new user", () => {
  it("signs up, confirms the code, and starts with no lists", async () => {
    const email = newEmail("ada");
    const lists = await signedUp(email);

    await lists.noLists.waitFor();
    expect(await journey.page.getByText(email, { exact: true }).isVisible()).toBe(true);
    expect(await apiAs(journey.stack, email).lists()).toEqual([]);
  });

  it("keeps each list's todos apart, across a reload", async () => {
    const email = newEmail("grace");
    const lists = await signedUp(email);
    const todos = todoPage(journey.page);

    await lists.create("Groceries");
    await todos.add("Milk");
    await lists.create("Work");
    await todos.add("Write report");
    await lists.open("Groceries");

    expect(await todos.titles()).toEqual(["Milk"]);
    await journey.page.reload();
    await lists.openList("Groceries").waitFor();
    await lists.open("Work");
    expect(await todos.titles()).toEqual(["Write report"]);
    const stored = await apiAs(journey.stack, email).lists();
    expect(stored.map((list) => list.name)).toEqual(["Groceries", "Work"]);
  });

  it("renames and deletes a list", async () => {
    const email = newEmail("linus");
    const lists = await signedUp(email);
    await lists.create("Chores");
    await todoPage(journey.page).add("Vacuum");

    await lists.renameButton.click();
    await journey.page.getByRole("textbox", { name: "List name", exact: true }).fill("House chores");
    await journey.page.getByRole("button", { name: "Save name", exact: true }).click();
    await lists.link("House chores").waitFor();
    await lists.deleteButton.click();
    await journey.page.getByRole("button", { name: "Yes, delete list", exact: true }).click();

    await lists.noLists.waitFor();
    expect(await apiAs(journey.stack, email).lists()).toEqual([]);
  });
});

describe("another user", () => {
  it("sees none of the first user's lists, and the API refuses them the list's id", async () => {
    const owner = newEmail("owner");
    await cognito(journey.stack).register(owner, PASSWORD);
    const ownerApi = apiAs(journey.stack, owner);
    const secret = await ownerApi.createList("Private plans");
    await ownerApi.createTodo(secret.id, "Surprise party");

    const otherEmail = newEmail("other");
    const lists = await signedUp(otherEmail);
    await lists.noLists.waitFor();
    expect(await journey.page.getByText("Private plans").count()).toBe(0);

    // Knowing the id is not enough: every route of the list is a 404 for them.
    const other = apiAs(journey.stack, otherEmail);
    for (const [method, path] of [
      ["GET", `lists/${secret.id}`],
      ["GET", `lists/${secret.id}/todos`],
      ["PATCH", `lists/${secret.id}`],
      ["DELETE", `lists/${secret.id}`],
    ] as const) {
      const answer = await other.send(method, path, method === "PATCH" ? { name: "mine" } : undefined);
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    // And opening it by its address in the SPA shows nothing of it.
    await journey.page.goto(`/#/lists/${secret.id}`);
    await lists.switcher.waitFor();
    expect(await journey.page.getByText("Surprise party").count()).toBe(0);
    expect((await ownerApi.todos(secret.id)).map((todo) => todo.title)).toEqual(["Surprise party"]);
  });
});
