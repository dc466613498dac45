// step01, the todo app behind a Cognito sign-in, still one tenant: what visitors and users do
// with it, in Chromium, against the real API, DynamoDB and Cognito on moto (`stepgen dev step01`).
import { describe, expect, it } from "vitest";
import { cognito, demoUser } from "../src/harness/cognito.ts";
import { useStepJourneys } from "../src/harness/journeys.ts";
import type { RunningStack } from "../src/harness/stack.ts";
import { todoApi } from "../src/steps/step00/todoApi.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";
import { signInPage } from "../src/steps/step01/signInPage.ts";

/** A user an administrator invites during a journey; removed before every test. */
const INVITED = "invited@example.com";
const TEMPORARY_PASSWORD = "Temporary-pass-1";

/** The API as the demo user, straight from the test process. */
function demoApi(stack: RunningStack) {
  const { email, password } = demoUser(stack);
  return todoApi(stack.api, async () => (await cognito(stack).signIn(email, password)).idToken);
}

const journey = useStepJourneys("step01", {
  // One shared list for every user: a clean slate means deleting every todo, and the invited
  // user must not exist yet.
  reset: async (stack) => {
    await demoApi(stack).removeAll();
    await cognito(stack).removeUser(INVITED);
  },
});
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });
const storedTitles = async () => (await demoApi(journey.stack).list()).map((todo) => todo.title);

describe("an anonymous visitor", () => {
  it("sees the sign-in form and no todos, and the app asks the API for none", async () => {
    await demoApi(journey.stack).create("Secret plan");
    const todoCalls: string[] = [];
    journey.page.on("request", (request) => {
      if (request.url().startsWith(journey.stack.api)) todoCalls.push(request.url());
    });
    const signIn = signInPage(journey.page);

    await signIn.open();

    expect(await signIn.email.isVisible()).toBe(true);
    expect(await signIn.password.isVisible()).toBe(true);
    expect(await journey.page.getByText("Secret plan").count()).toBe(0);
    expect(await todoPage(journey.page).newTodo.count()).toBe(0);
    expect(todoCalls).toEqual([]);
  });

  it("is refused by the API without a token, with a JSON answer the page can read", async () => {
    const signIn = signInPage(journey.page);
    await signIn.open();

    const answer = await journey.page.evaluate(async (api) => {
      const response = await fetch(new URL("todos", api));
      return { status: response.status, body: (await response.json()) as { error: string } };
    }, journey.stack.api);

    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe("unauthorized");
  });
});

describe("signing in", () => {
  it("refuses a wrong password with a message and shows no todos", async () => {
    const { email } = demoUser(journey.stack);
    const signIn = signInPage(journey.page);
    await signIn.open();

    await signIn.submit(email, "Wrong-password-9");

    await signIn.alert.waitFor();
    expect(await signIn.alert.textContent()).toMatch(/incorrect|wrong|password/i);
    expect(await signIn.signOutButton.count()).toBe(0);
    expect(await todoPage(journey.page).newTodo.count()).toBe(0);
  });

  it("lets the demo user in, shows who is signed in, and the todos they add are stored", async () => {
    const { email, password } = demoUser(journey.stack);
    const signIn = signInPage(journey.page);
    await signIn.open();

    await signIn.signIn(email, password);
    const app = todoPage(journey.page);
    await app.emptyState.waitFor();
    await app.add("Buy milk");
    await app.add("Call mom");

    expect(await journey.page.getByText(email, { exact: true }).isVisible()).toBe(true);
    expect(await app.titles()).toEqual(["Buy milk", "Call mom"]);
    expect(await storedTitles()).toEqual(["Buy milk", "Call mom"]);
  });

  it("keeps the session across a reload, and the todos with it", async () => {
    const { email, password } = demoUser(journey.stack);
    await demoApi(journey.stack).create("Pay rent");
    const signIn = signInPage(journey.page);
    await signIn.open();
    await signIn.signIn(email, password);

    await journey.page.reload();
    await signIn.signOutButton.waitFor();
    const app = todoPage(journey.page);
    await app.checkbox("Pay rent").waitFor();

    expect(await app.titles()).toEqual(["Pay rent"]);
  });
});

describe("signing out", () => {
  it("hides the todos and stays signed out after a reload", async () => {
    const { email, password } = demoUser(journey.stack);
    await demoApi(journey.stack).create("Water the plants");
    const signIn = signInPage(journey.page);
    await signIn.open();
    await signIn.signIn(email, password);
    await todoPage(journey.page).checkbox("Water the plants").waitFor();

    await signIn.signOutButton.click();
    await signIn.signInButton.waitFor();
    await journey.page.reload();
    await signIn.signInButton.waitFor();

    expect(await journey.page.getByText("Water the plants").count()).toBe(0);
    expect(await signIn.signOutButton.count()).toBe(0);
  });

  it("happens with a message when the API no longer accepts the session", async () => {
    const { email, password } = demoUser(journey.stack);
    const signIn = signInPage(journey.page);
    await signIn.open();
    await signIn.signIn(email, password);
    await todoPage(journey.page).emptyState.waitFor();
    // The API refuses the token from now on, as it does once a session is revoked.
    await journey.page.route(`${journey.stack.api}todos`, (route) =>
      route.fulfill({
        status: 401,
        contentType: "application/json",
        headers: { "Access-Control-Allow-Origin": "*" },
        body: JSON.stringify({ error: "unauthorized", message: "the token has expired; sign in again" }),
      }),
    );

    await journey.page.reload();

    await signIn.signInButton.waitFor();
    await signIn.notice.waitFor();
    expect(await signIn.notice.textContent()).toMatch(/sign in again|session/i);
  });
});

describe("an invited user", () => {
  it("chooses a new password at the first sign-in, then works on the shared list", async () => {
    await cognito(journey.stack).invite(INVITED, TEMPORARY_PASSWORD);
    await demoApi(journey.stack).create("Shared with everyone");
    const signIn = signInPage(journey.page);
    await signIn.open();

    await signIn.submit(INVITED, TEMPORARY_PASSWORD);
    await signIn.newPassword.fill("Chosen-password-2");
    await signIn.confirmNewPassword.fill("Chosen-password-2");
    await signIn.setPasswordButton.click();
    await signIn.signOutButton.waitFor();
    const app = todoPage(journey.page);
    await app.checkbox("Shared with everyone").waitFor();
    await app.add("Added by the new user");

    await eventually(storedTitles).toEqual(["Shared with everyone", "Added by the new user"]);
    // The new password is the one that works from now on.
    await expect(cognito(journey.stack).signIn(INVITED, "Chosen-password-2")).resolves.toBeTruthy();
    await expect(cognito(journey.stack).signIn(INVITED, TEMPORARY_PASSWORD)).rejects.toThrow();
  });
});
