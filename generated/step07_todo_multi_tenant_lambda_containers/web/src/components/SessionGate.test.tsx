// Who sees the todos: nobody without a session. Signing in and out, the ID token on every
// API call, and what happens when the API or Cognito ends the session.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { AUTH_MESSAGES, AuthFailure } from "../auth.ts";
import { FAKE_API_URL, installFakeApi, type FakeApi, type FakeApiOptions } from "../test/fakeApi.ts";
import { FAKE_ID_TOKEN, fakeAuth, type FakeAuth, type FakeAuthOptions } from "../test/fakeAuth.ts";
import { SESSION_ENDED_NOTICE, SIGNED_OUT_NOTICE, SessionGate } from "./SessionGate.tsx";

/** `beforeStart` scripts the fakes before the gate makes its first call. */
function renderGate(
  authOptions: FakeAuthOptions = {},
  apiOptions: FakeApiOptions = {},
  beforeStart: (auth: FakeAuth, api: FakeApi) => void = () => {},
) {
  const api = installFakeApi(apiOptions);
  const auth = fakeAuth(authOptions);
  beforeStart(auth, api);
  const user = userEvent.setup();
  render(<SessionGate auth={auth} apiUrl={FAKE_API_URL} />);
  return { api, auth, user };
}

async function signInWithForm(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByLabelText("Email"), "ada@example.test");
  await user.type(screen.getByLabelText("Password"), "correct horse");
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

const signOutCount = (calls: string[]) => calls.filter((call) => call === "signOut").length;

describe("without a session", () => {
  it("shows the sign-in screen, no todos, and makes no todo API call", async () => {
    const { api } = renderGate({}, { todos: ["Secret plan"] });

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.queryByText("Secret plan")).toBeNull();
    expect(screen.queryByRole("list")).toBeNull();
    expect(screen.queryByRole("button", { name: "Sign out" })).toBeNull();
    expect(api.requests).toEqual([]);
  });

  it("checks for a stored session first", async () => {
    const { auth } = renderGate();

    expect(screen.getByRole("status").textContent).toBe("Checking your sign-in…");
    await screen.findByRole("heading", { name: "Sign in" });
    expect(auth.calls).toEqual(["currentUser"]);
  });

  it("says when the stored session cannot be checked, and Retry checks again", async () => {
    const { api, user } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] }, (auth) =>
      auth.failNext("currentUser", new AuthFailure("network", AUTH_MESSAGES.network)),
    );

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not check whether you are signed in: Could not reach the sign-in service");
    expect(api.requests).toEqual([]);

    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
  });
});

describe("signing in", () => {
  it("shows the todos and the signed-in email, and sends the ID token with the first request", async () => {
    const { api, user } = renderGate({}, { todos: ["Buy milk"] });

    await signInWithForm(user);

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(within(screen.getByRole("banner")).getByText("ada@example.test")).toBeTruthy();
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos"]);
    expect(api.authorizations).toEqual([`Bearer ${FAKE_ID_TOKEN}`, `Bearer ${FAKE_ID_TOKEN}`]);
  });

  it("restores a stored session without asking to sign in", async () => {
    const { api } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] });

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(screen.queryByRole("heading", { name: "Sign in" })).toBeNull();
    expect(api.authorizations).toEqual([`Bearer ${FAKE_ID_TOKEN}`, `Bearer ${FAKE_ID_TOKEN}`]);
  });
});

describe("while signed in", () => {
  it("asks for the token before every call, so a silently refreshed token is the one sent", async () => {
    const { api, auth, user } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] });
    await screen.findByRole("checkbox", { name: "Buy milk" });
    auth.token = "fake-id-token-2";
    api.acceptedTokens.add("fake-id-token-2");

    await user.click(screen.getByRole("checkbox", { name: "Buy milk" }));
    await screen.findByText("1 of 1 done");

    expect(api.authorizations).toEqual([`Bearer ${FAKE_ID_TOKEN}`, `Bearer ${FAKE_ID_TOKEN}`, "Bearer fake-id-token-2"]);
  });

  it("signs out: back to the sign-in screen with a notice, and the todos are gone", async () => {
    const { api, auth, user } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] });
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await user.click(screen.getByRole("button", { name: "Sign out" }));

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe(SIGNED_OUT_NOTICE);
    expect(screen.queryByText("Buy milk")).toBeNull();
    expect(screen.queryByText("ada@example.test")).toBeNull();
    expect(await auth.currentUser()).toBeNull();
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos"]);
  });

  it("can sign in again after signing out", async () => {
    const { user } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] });
    await user.click(await screen.findByRole("button", { name: "Sign out" }));

    await signInWithForm(user);

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
  });
});

describe("when the session ends on its own", () => {
  it("signs out with a message, once, when the API refuses the token (401), and does not retry", async () => {
    const { api, auth, user } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk", "Walk the dog"] });
    await screen.findByRole("checkbox", { name: "Buy milk" });
    api.acceptedTokens.clear();
    const release = api.pause();

    // Two requests refused together end the session once.
    await user.click(screen.getByRole("checkbox", { name: "Buy milk" }));
    await user.click(screen.getByRole("checkbox", { name: "Walk the dog" }));
    release();

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe(SESSION_ENDED_NOTICE);
    expect(screen.queryByText("Buy milk")).toBeNull();
    expect(signOutCount(auth.calls)).toBe(1);
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos", 'PATCH /lists/list-1/todos/todo-1 {"done":true,"version":1}', 'PATCH /lists/list-1/todos/todo-2 {"done":true,"version":1}']);
  });

  it("signs out when the very first load is refused, without a loop", async () => {
    const { api, auth } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] }, (_auth, fakeApi) =>
      fakeApi.acceptedTokens.clear(),
    );

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe(SESSION_ENDED_NOTICE);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.requests).toEqual(["GET /lists"]);
    expect(signOutCount(auth.calls)).toBe(1);
  });

  it("signs out without calling the API when the session can no longer be refreshed", async () => {
    const { api, user, auth } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] });
    await screen.findByRole("checkbox", { name: "Buy milk" });
    auth.expireSession();

    await user.click(screen.getByRole("checkbox", { name: "Buy milk" }));

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe(SESSION_ENDED_NOTICE);
    expect(api.requests).toEqual(["GET /lists", "GET /lists/list-1/todos"]);
  });

  it("stays signed in when Cognito cannot be reached to refresh the token, and says so", async () => {
    const { api, auth } = renderGate({ signedInAs: "ada@example.test" }, { todos: ["Buy milk"] }, (fake) =>
      fake.failNext("idToken", new AuthFailure("network", AUTH_MESSAGES.network)),
    );

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load your lists: Could not reach the sign-in service");
    expect(screen.getByRole("button", { name: "Sign out" })).toBeTruthy();
    expect(signOutCount(auth.calls)).toBe(0);
    expect(api.requests).toEqual([]);

    await userEvent.setup().click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
  });
});
