// step03, shared lists: an owner shares a list by email, the member works on it, the owner
// revokes access; a stale edit is refused, never silently lost. Chromium against the real API,
// DynamoDB, STS and Cognito on moto.
import { describe, expect, it } from "vitest";
import { cognito } from "../src/harness/cognito.ts";
import { useStepJourneys } from "../src/harness/journeys.ts";
import type { RunningStack } from "../src/harness/stack.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";
import { signInPage } from "../src/steps/step01/signInPage.ts";
import { listsApi } from "../src/steps/step02/listsApi.ts";
import { listsPage } from "../src/steps/step02/listsPage.ts";

const PASSWORD = "Sharing-pass-1";
let users = 0;
const newEmail = (who: string) => `${who}-${Date.now()}-${++users}@example.com`;

function apiAs(stack: RunningStack, email: string) {
  return listsApi(stack.api, async () => (await cognito(stack).signIn(email, PASSWORD)).idToken);
}

const journey = useStepJourneys("step03", {
  // Every test registers its own users, who own nothing yet.
  reset: async () => {},
});
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

/** Two registered users; the owner has a list "Trip" with one todo. */
async function ownerAndFriend() {
  const owner = newEmail("owner");
  const friend = newEmail("friend");
  await cognito(journey.stack).register(owner, PASSWORD);
  await cognito(journey.stack).register(friend, PASSWORD);
  const ownerApi = apiAs(journey.stack, owner);
  const trip = await ownerApi.createList("Trip");
  await ownerApi.createTodo(trip.id, "Book flights");
  return { owner, friend, ownerApi, friendApi: apiAs(journey.stack, friend), trip };
}

async function signIn(email: string) {
  const signInScreen = signInPage(journey.page);
  await signInScreen.open();
  await signInScreen.signIn(email, PASSWORD);
  return listsPage(journey.page);
}

describe("the owner", () => {
  it("shares a list by email and sees the new member", async () => {
    const { owner, friend, friendApi, trip } = await ownerAndFriend();
    const lists = await signIn(owner);
    await lists.open("Trip");

    await lists.shareButton.click();
    const dialog = journey.page.getByRole("dialog", { name: "Share “Trip”" });
    await dialog.getByLabel("Member's email", { exact: true }).fill(friend);
    await dialog.getByRole("button", { name: "Add member", exact: true }).click();
    await dialog.getByRole("button", { name: `Remove ${friend}`, exact: true }).waitFor();

    const members = dialog.getByRole("list", { name: "Members" });
    expect(await members.getByText(owner).count()).toBe(1);
    expect((await friendApi.lists()).map((list) => [list.id, list.role])).toEqual([[trip.id, "member"]]);
  });

  it("is told when no user has the address", async () => {
    const { owner } = await ownerAndFriend();
    const lists = await signIn(owner);
    await lists.open("Trip");

    await lists.shareButton.click();
    const dialog = journey.page.getByRole("dialog", { name: "Share “Trip”" });
    await dialog.getByLabel("Member's email", { exact: true }).fill("nobody-here@example.com");
    await dialog.getByRole("button", { name: "Add member", exact: true }).click();

    await dialog.getByRole("alert").waitFor();
    expect(await dialog.getByRole("alert").textContent()).toMatch(/nobody has signed up with nobody-here@example\.com/i);
  });
});

describe("a member", () => {
  it("sees the shared list apart from their own, edits its todos, but cannot share, rename or delete it", async () => {
    const { friend, ownerApi, friendApi, trip } = await ownerAndFriend();
    await ownerApi.share(trip.id, friend);
    await friendApi.createList("Mine");
    const lists = await signIn(friend);

    const shared = journey.page.getByRole("list", { name: "Shared with me" });
    await shared.getByRole("link", { name: "Trip", exact: true }).waitFor();
    expect(await journey.page.getByRole("list", { name: "My lists" }).getByRole("link").allTextContents()).toEqual(["Mine"]);
    await lists.open("Trip");
    const todos = todoPage(journey.page);
    await todos.add("Pack bags");
    // The page shows a change once the API has stored it (no optimistic updates).
    await todos.checkbox("Book flights").click();

    await eventually(async () => (await ownerApi.todos(trip.id)).map((t) => [t.title, t.done])).toEqual([
      ["Book flights", true],
      ["Pack bags", false],
    ]);
    expect(await lists.shareButton.count()).toBe(0);
    expect(await lists.renameButton.count()).toBe(0);
    expect(await lists.deleteButton.count()).toBe(0);
    // The API refuses them too, whatever the page shows.
    expect((await friendApi.send("DELETE", `lists/${trip.id}`)).status).toBe(403);
    expect((await friendApi.send("POST", `lists/${trip.id}/members`, { email: "x@example.com" })).status).toBe(403);
  });

  it("loses the list as soon as the owner revokes access", async () => {
    const { friend, ownerApi, friendApi, trip } = await ownerAndFriend();
    const member = await ownerApi.share(trip.id, friend);
    const lists = await signIn(friend);
    await lists.open("Trip");

    await ownerApi.send("DELETE", `lists/${trip.id}/members/${member.userId}`);
    await todoPage(journey.page).newTodo.fill("One more thing");
    await todoPage(journey.page).addButton.click();

    await lists.alert.waitFor();
    expect(await lists.alert.textContent()).toMatch(/not available/i);
    await eventually(() => lists.link("Trip").count()).toBe(0);
    expect((await friendApi.send("GET", `lists/${trip.id}/todos`)).status).toBe(404);
    expect((await ownerApi.todos(trip.id)).map((t) => t.title)).toEqual(["Book flights"]);
  });

  it("can leave a shared list", async () => {
    const { friend, ownerApi, friendApi, trip } = await ownerAndFriend();
    await ownerApi.share(trip.id, friend);
    const lists = await signIn(friend);
    await lists.open("Trip");

    await lists.leaveButton.click();
    await journey.page.getByRole("button", { name: "Yes, leave list", exact: true }).click();

    await eventually(() => lists.link("Trip").count()).toBe(0);
    expect(await friendApi.lists()).toEqual([]);
    expect((await ownerApi.members(trip.id)).map((m) => m.role)).toEqual(["owner"]);
  });
});

describe("two people editing one todo", () => {
  it("refuses the stale change, says so, and shows the other person's version", async () => {
    const { friend, ownerApi, trip } = await ownerAndFriend();
    await ownerApi.share(trip.id, friend);
    const lists = await signIn(friend);
    await lists.open("Trip");
    const todos = todoPage(journey.page);
    await todos.checkbox("Book flights").waitFor();

    // Meanwhile the owner renames the todo.
    const [todo] = await ownerApi.todos(trip.id);
    await ownerApi.updateTodo(trip.id, todo!, { title: "Book flights and hotel" });
    await todos.checkbox("Book flights").click();

    await lists.alert.waitFor();
    expect(await lists.alert.textContent()).toMatch(/someone else changed it first/);
    await todos.checkbox("Book flights and hotel").waitFor();
    const [stored] = await ownerApi.todos(trip.id);
    expect([stored!.title, stored!.done]).toEqual(["Book flights and hotel", false]);
  });
});
