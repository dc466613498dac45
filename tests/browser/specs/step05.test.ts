// step05, a table per tenant (silo model): a new list gets a DynamoDB table of its own, the SPA
// shows it "preparing" until AWS has created the table (locally, `stepgen dev`'s DynamoDB bridge
// keeps a new tenant table CREATING for 3 s, as AWS does for a few seconds), an early write is
// refused with a retryable error and never lost, and deleting the list deletes its table.
// Chromium against the real API, trigger, DynamoDB, STS and Cognito on moto.
import { describe, expect, it } from "vitest";
import { cognito } from "../src/harness/cognito.ts";
import { useStepJourneys } from "../src/harness/journeys.ts";
import type { RunningStack } from "../src/harness/stack.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";
import { signInPage } from "../src/steps/step01/signInPage.ts";
import { listsApi } from "../src/steps/step02/listsApi.ts";
import { listsPage } from "../src/steps/step02/listsPage.ts";
import { hasTable } from "../src/steps/step05/tenantTables.ts";

const PASSWORD = "Silo-model-pass-1";
const PREPARING = "Preparing your list — its own storage is being created; this takes a few seconds.";
let users = 0;
const newEmail = (who: string) => `${who}-${Date.now()}-${++users}@example.com`;

const journey = useStepJourneys("step05", {
  // Every test registers its own users, who own nothing yet.
  reset: async () => {},
});

function apiAs(stack: RunningStack, email: string) {
  return listsApi(stack.api, async () => (await cognito(stack).signIn(email, PASSWORD)).idToken);
}

async function signIn(email: string) {
  const signInScreen = signInPage(journey.page);
  await signInScreen.open();
  await signInScreen.signIn(email, PASSWORD);
  return listsPage(journey.page);
}

describe("a new list is a new tenant with its own table", () => {
  it("is shown preparing until its table is active, then works and survives a reload", async () => {
    const email = newEmail("ada");
    await cognito(journey.stack).register(email, PASSWORD);
    const lists = await signIn(email);
    const todos = todoPage(journey.page);
    const preparing = journey.page.getByText(PREPARING, { exact: true });

    await lists.newList.fill("Groceries");
    await journey.page.getByRole("button", { name: "Create list", exact: true }).click();
    await preparing.waitFor();
    expect(await lists.switcher.getByText("Preparing…").isVisible(), "the switcher says so too").toBe(true);
    expect(await todos.newTodo.count(), "no add form while preparing").toBe(0);

    // The SPA retries on its own; once the table is active the list opens.
    await todos.newTodo.waitFor();
    expect(await preparing.count()).toBe(0);
    await todos.add("Milk");
    const [groceries] = await apiAs(journey.stack, email).lists();
    expect(groceries?.status, "ready: the API no longer says preparing").toBeUndefined();
    expect(await hasTable(journey.stack, groceries!.id), "its own table").toBe(true);

    await journey.page.reload();
    await todos.checkbox("Milk").waitFor();
    expect(await todos.titles()).toEqual(["Milk"]);
  });

  it("refuses a write made too early with a retryable 503, and stores nothing", async () => {
    const email = newEmail("grace");
    await cognito(journey.stack).register(email, PASSWORD);
    // One sign-in up front: the early write must come within the table's creation time.
    const { idToken } = await cognito(journey.stack).signIn(email, PASSWORD);
    const api = listsApi(journey.stack.api, async () => idToken);
    const created = await api.send("POST", "lists", { name: "Early" });
    expect(created.status).toBe(202);
    const list = (await created.json()) as { id: string; status?: string };
    expect(list.status).toBe("preparing");

    const early = await api.send("POST", `lists/${list.id}/todos`, { title: "Too soon" });
    expect(early.status).toBe(503);
    expect(early.headers.get("retry-after")).toBe("2");
    expect(((await early.json()) as { message: string }).message).toContain("is being prepared");

    // Retried as the answer says, it is stored once the table is active.
    let stored = early;
    for (let attempt = 0; attempt < 10 && stored.status === 503; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(stored.headers.get("retry-after") ?? 2)));
      stored = await api.send("POST", `lists/${list.id}/todos`, { title: "Too soon" });
    }
    expect(stored.status).toBe(201);
    expect((await api.todos(list.id)).map((todo) => todo.title)).toEqual(["Too soon"]);
  });

  it("deleting a list deletes its table, and other users never reach it", async () => {
    const owner = newEmail("owner");
    const stranger = newEmail("stranger");
    await cognito(journey.stack).register(owner, PASSWORD);
    await cognito(journey.stack).register(stranger, PASSWORD);
    const lists = await signIn(owner);
    const todos = todoPage(journey.page);
    await lists.newList.fill("Secret plans");
    await journey.page.getByRole("button", { name: "Create list", exact: true }).click();
    await todos.newTodo.waitFor();
    await todos.add("Hidden");
    const [plans] = await apiAs(journey.stack, owner).lists();
    expect(await hasTable(journey.stack, plans!.id)).toBe(true);

    const strangerApi = apiAs(journey.stack, stranger);
    expect((await strangerApi.send("GET", `lists/${plans!.id}/todos`)).status).toBe(404);
    expect((await strangerApi.send("POST", `lists/${plans!.id}/todos`, { title: "planted" })).status).toBe(404);

    await lists.deleteButton.click();
    await journey.page.getByRole("button", { name: "Yes, delete list", exact: true }).click();
    await lists.noLists.waitFor();
    expect(await apiAs(journey.stack, owner).lists()).toEqual([]);
    expect(await hasTable(journey.stack, plans!.id), "the table is gone").toBe(false);
  });
});
