// step04, tenant ids in tokens and per-tenant metering: the token the SPA uses carries the
// user's lists (the step's real pre-token-generation trigger runs on every local sign-in and
// refresh), and every request is metered to the list's owner, who sees it on the usage page.
// Chromium against the real API, trigger, DynamoDB, STS and Cognito on moto.
import { describe, expect, it } from "vitest";
import { cognito } from "../src/harness/cognito.ts";
import { useStepJourneys } from "../src/harness/journeys.ts";
import type { RunningStack } from "../src/harness/stack.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";
import { signInPage } from "../src/steps/step01/signInPage.ts";
import { listsApi } from "../src/steps/step02/listsApi.ts";
import { listsPage } from "../src/steps/step02/listsPage.ts";
import { tenantsIn } from "../src/steps/step04/tokens.ts";
import { usagePage } from "../src/steps/step04/usagePage.ts";

const PASSWORD = "Metering-pass-1";
let users = 0;
const newEmail = (who: string) => `${who}-${Date.now()}-${++users}@example.com`;

const journey = useStepJourneys("step04", {
  // Every test registers its own users, who own nothing yet.
  reset: async () => {},
});

function apiAs(stack: RunningStack, email: string) {
  return listsApi(stack.api, async () => (await cognito(stack).signIn(email, PASSWORD)).idToken);
}

interface UsageRow {
  listId: string;
  name: string | null;
  requests: number;
  storedItems: number;
}

async function usage(stack: RunningStack, email: string): Promise<{ lists: UsageRow[]; total: { requests: number } }> {
  const response = await apiAs(stack, email).send("GET", "usage?period=day");
  expect(response.status).toBe(200);
  return (await response.json()) as { lists: UsageRow[]; total: { requests: number } };
}

async function signIn(email: string) {
  const signInScreen = signInPage(journey.page);
  await signInScreen.open();
  await signInScreen.signIn(email, PASSWORD);
  return listsPage(journey.page);
}

/** The ID tokens the page sent to the API, in order. */
function apiTokens(stack: RunningStack): string[] {
  const tokens: string[] = [];
  journey.page.on("request", (request) => {
    const authorization = request.headers()["authorization"];
    if (request.url().startsWith(stack.api) && authorization?.startsWith("Bearer ")) tokens.push(authorization.slice(7));
  });
  return tokens;
}

describe("tenant ids in the token", () => {
  it("a token issued at sign-in carries the user's lists, and only theirs", async () => {
    const owner = newEmail("owner");
    const stranger = newEmail("stranger");
    await cognito(journey.stack).register(owner, PASSWORD);
    await cognito(journey.stack).register(stranger, PASSWORD);
    const ownerApi = apiAs(journey.stack, owner);
    const home = await ownerApi.createList("Home");
    const work = await ownerApi.createList("Work");

    const ownerToken = (await cognito(journey.stack).signIn(owner, PASSWORD)).idToken;
    expect(tenantsIn(ownerToken).sort()).toEqual([home.id, work.id].sort());
    const strangerToken = (await cognito(journey.stack).signIn(stranger, PASSWORD)).idToken;
    expect(tenantsIn(strangerToken)).toEqual([]);
  });

  it("after creating a list in the SPA, the next requests carry a token with the new list", async () => {
    const owner = newEmail("owner");
    await cognito(journey.stack).register(owner, PASSWORD);
    const tokens = apiTokens(journey.stack);
    const lists = await signIn(owner);
    await lists.create("Groceries");
    const [groceries] = await apiAs(journey.stack, owner).lists();
    await todoPage(journey.page).add("Milk");

    const last = tokens.at(-1);
    expect(last, "the SPA called the API with a token").toBeDefined();
    expect(tenantsIn(tokens[0]!)).toEqual([]);
    expect(tenantsIn(last!)).toEqual([groceries!.id]);
    expect(await lists.alert.count(), "no refresh notice").toBe(0);
  });
});

describe("metering", () => {
  it("a member's requests count for the list's owner, who sees them on the usage page", async () => {
    const owner = newEmail("owner");
    const friend = newEmail("friend");
    await cognito(journey.stack).register(owner, PASSWORD);
    await cognito(journey.stack).register(friend, PASSWORD);
    const ownerApi = apiAs(journey.stack, owner);
    const friendApi = apiAs(journey.stack, friend);
    const trip = await ownerApi.createList("Trip");
    await ownerApi.share(trip.id, friend);
    const before = (await usage(journey.stack, owner)).lists.find((row) => row.listId === trip.id);

    // Three requests by the member on the owner's list.
    await friendApi.createTodo(trip.id, "Book flights");
    await friendApi.createTodo(trip.id, "Pack");
    await friendApi.todos(trip.id);

    const after = (await usage(journey.stack, owner)).lists.find((row) => row.listId === trip.id);
    expect(after?.requests).toBe((before?.requests ?? 0) + 3);
    expect(after?.storedItems).toBe(2);
    expect((await usage(journey.stack, friend)).lists, "the member owns no list").toEqual([]);

    await signIn(owner);
    // Signing in opens Trip and reads its todos: more requests, each metered before its
    // response, so once the todos are shown the count is settled.
    await todoPage(journey.page).checkbox("Pack").waitFor();
    const page = usagePage(journey.page);
    await page.open();
    await page.period("Day").click();
    await page.table.waitFor();
    // GET /usage itself is billed to no list, so the row shows what the API says now.
    const shown = (await usage(journey.stack, owner)).lists.find((row) => row.listId === trip.id);
    expect(shown!.requests).toBeGreaterThan(after!.requests);
    const [requests, , , , storedItems] = await page.row("Trip");
    expect(Number(requests)).toBe(shown!.requests);
    expect(storedItems).toBe("2");
    await page.period("Month").click();
    await page.chart.waitFor();
  });

  it("a user without lists sees the empty state", async () => {
    const loner = newEmail("loner");
    await cognito(journey.stack).register(loner, PASSWORD);
    await signIn(loner);
    const page = usagePage(journey.page);
    await page.open();
    await page.noUsage.waitFor();
  });
});
