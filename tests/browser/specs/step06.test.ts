// step06, an event-driven architecture: the API publishes a domain event for what users do on
// the step's EventBridge bus, and consumers behind SQS queues do the rest — the provisioning
// consumer creates a new list's table and makes the list ready, the roll-up consumer counts
// usage and todos for the owner. Locally the events flow through moto (rule → queue) and
// `stepgen dev` runs each consumer on its queue. Chromium against the real API, consumers,
// trigger, DynamoDB, STS, EventBridge, SQS and Cognito on moto.
import { describe, expect, it } from "vitest";
import { cognito } from "../src/harness/cognito.ts";
import { useStepJourneys } from "../src/harness/journeys.ts";
import type { RunningStack } from "../src/harness/stack.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";
import { signInPage } from "../src/steps/step01/signInPage.ts";
import { listsApi } from "../src/steps/step02/listsApi.ts";
import { listsPage } from "../src/steps/step02/listsPage.ts";
import { hasTable } from "../src/steps/step05/tenantTables.ts";

const PASSWORD = "Event-driven-pass-1";
const PREPARING = "Preparing your list — its own storage is being created; this takes a few seconds.";
let users = 0;
const newEmail = (who: string) => `${who}-${Date.now()}-${++users}@example.com`;

const journey = useStepJourneys("step06", {
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

/** Asks `check` again every half second until it holds, for at most `seconds`. */
async function eventually(what: string, check: () => Promise<boolean>, seconds = 20): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${seconds} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Usage {
  lists: Array<{ listId: string; requests: number; storedItems: number }>;
}

async function usageOf(stack: RunningStack, email: string, listId: string) {
  const response = await apiAs(stack, email).send("GET", "usage?period=day");
  expect(response.status).toBe(200);
  return ((await response.json()) as Usage).lists.find((row) => row.listId === listId);
}

describe("events drive the work behind the API", () => {
  it("a new list is prepared by the provisioning consumer, then works", async () => {
    const email = newEmail("ada");
    await cognito(journey.stack).register(email, PASSWORD);
    const lists = await signIn(email);
    const todos = todoPage(journey.page);

    await lists.newList.fill("Groceries");
    await journey.page.getByRole("button", { name: "Create list", exact: true }).click();
    await journey.page.getByText(PREPARING, { exact: true }).waitFor();
    // ListCreated → queue → consumer: CreateTable, wait for ACTIVE, activate, TenantReady.
    await todos.newTodo.waitFor({ timeout: 30_000 });
    await todos.add("Milk");
    const [groceries] = await apiAs(journey.stack, email).lists();
    expect(groceries?.status).toBeUndefined();
    expect(await hasTable(journey.stack, groceries!.id)).toBe(true);
  });

  it("the roll-up consumer counts the owner's requests and todos from the events", async () => {
    const owner = newEmail("owner");
    await cognito(journey.stack).register(owner, PASSWORD);
    const api = apiAs(journey.stack, owner);
    const created = (await (await api.send("POST", "lists", { name: "Trip" })).json()) as { id: string };
    await eventually("the list is ready", async () => (await api.send("GET", `lists/${created.id}/todos`)).status === 200);

    await api.createTodo(created.id, "Book flights");
    const pack = await api.createTodo(created.id, "Pack");
    await api.send("DELETE", `lists/${created.id}/todos/${pack.id}?version=${pack.version}`);
    // TodoAdded ×2, TodoRemoved ×1 → one stored todo; each request's UsageRecorded (at least
    // four: the readiness polls, two POSTs, one DELETE) arrives on its own schedule.
    await eventually("one todo and at least four requests are counted", async () => {
      const counted = await usageOf(journey.stack, owner, created.id);
      return counted?.storedItems === 1 && counted.requests >= 4;
    });
  });

  it("deleting a list has the provisioning consumer delete its table", async () => {
    const owner = newEmail("owner");
    await cognito(journey.stack).register(owner, PASSWORD);
    const lists = await signIn(owner);
    const todos = todoPage(journey.page);
    await lists.newList.fill("Short lived");
    await journey.page.getByRole("button", { name: "Create list", exact: true }).click();
    await todos.newTodo.waitFor({ timeout: 30_000 });
    const [list] = await apiAs(journey.stack, owner).lists();
    expect(await hasTable(journey.stack, list!.id)).toBe(true);

    await lists.deleteButton.click();
    await journey.page.getByRole("button", { name: "Yes, delete list", exact: true }).click();
    await lists.noLists.waitFor();
    await eventually("the table is deleted", async () => !(await hasTable(journey.stack, list!.id)));
  });

  it("the owner may delete a list still being prepared, and no table is left", async () => {
    const owner = newEmail("owner");
    await cognito(journey.stack).register(owner, PASSWORD);
    const lists = await signIn(owner);
    await lists.newList.fill("Second thoughts");
    await journey.page.getByRole("button", { name: "Create list", exact: true }).click();
    await journey.page.getByText(PREPARING, { exact: true }).waitFor();
    const [list] = await apiAs(journey.stack, owner).lists();
    expect(list?.status).toBe("preparing");

    // Locally a new table stays CREATING for 3 s, so this deletion meets the list preparing.
    await lists.deleteButton.click();
    await journey.page.getByRole("button", { name: "Yes, delete list", exact: true }).click();
    await lists.noLists.waitFor();
    expect(await lists.alert.count(), "no error").toBe(0);
    expect(await apiAs(journey.stack, owner).lists()).toEqual([]);
    // Whichever of ListCreated and ListDeleted the provisioner handles first, no table stays.
    await eventually("no table is left", async () => !(await hasTable(journey.stack, list!.id)), 40);
  });
});
