// The ID token names the user's lists (claim `tenants`), so after creating or leaving a list the
// app refreshes the session before its next request. A refresh that fails loses nothing.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { AUTH_MESSAGES, AuthFailure } from "../auth.ts";
import { createListApi } from "../listApi.ts";
import { FAKE_API_URL, installFakeApi, type FakeApiOptions } from "../test/fakeApi.ts";
import { FAKE_ID_TOKEN, FAKE_REFRESHED_ID_TOKEN, fakeApiSession, fakeAuth } from "../test/fakeAuth.ts";
import { FAKE_USER } from "../test/fakeLists.ts";
import { SESSION_NOT_REFRESHED } from "../useLists.ts";
import { ListsPage } from "./ListsPage.tsx";
import { SESSION_ENDED_NOTICE, SessionGate } from "./SessionGate.tsx";

const ownAndShared: FakeApiOptions = {
  lists: [
    { name: "Groceries", todos: ["Buy milk"] },
    { name: "Chores", owner: "bob@example.test", members: [FAKE_USER], todos: ["Take out the bins"] },
  ],
};

function renderPage(options: FakeApiOptions = ownAndShared) {
  const api = installFakeApi(options);
  const session = fakeApiSession();
  const user = userEvent.setup();
  render(<ListsPage api={createListApi(FAKE_API_URL, session)} email={FAKE_USER} />);
  return { api, session, user };
}

const old = `Bearer ${FAKE_ID_TOKEN}`;
const refreshed = `Bearer ${FAKE_REFRESHED_ID_TOKEN}`;

/** Each request with the token it carried. */
const sent = (api: { requests: string[]; authorizations: Array<string | null> }) =>
  api.requests.map((request, index) => `${request} (${api.authorizations[index] === refreshed ? "refreshed" : "old"} token)`);

async function createList(user: ReturnType<typeof userEvent.setup>, name: string) {
  await user.type(screen.getByRole("textbox", { name: "New list" }), `${name}{Enter}`);
}

async function leaveChores(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole("link", { name: "Chores" }));
  await screen.findByRole("checkbox", { name: "Take out the bins" });
  await user.click(screen.getByRole("button", { name: "Leave list" }));
  await user.click(screen.getByRole("button", { name: "Yes, leave list" }));
  await screen.findByText("You left the list “Chores”.");
}

describe("after creating a list", () => {
  it("refreshes the session before the new list's first request", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await createList(user, "Work");

    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
    expect(sent(api)).toEqual([
      "GET /lists (old token)",
      "GET /lists/list-1/todos (old token)",
      'POST /lists {"name":"Work"} (old token)',
      "GET /lists/list-3/todos (refreshed token)",
    ]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("keeps the new list and says so when the refresh fails, and the list still works", async () => {
    const { api, session, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    session.failNextRefresh(new AuthFailure("network", AUTH_MESSAGES.network));

    await createList(user, "Work");

    const notice = await screen.findByRole("alert");
    expect(notice.textContent).toContain(`${SESSION_NOT_REFRESHED} ${AUTH_MESSAGES.network}`);
    expect(screen.getByRole("heading", { name: "Work" })).toBeTruthy();
    expect(screen.getByText("Created the list “Work”.")).toBeTruthy();
    await screen.findByText("No todos yet — add your first one.");
    await user.type(screen.getByRole("textbox", { name: "New todo" }), "Write report{Enter}");
    await screen.findByRole("checkbox", { name: "Write report" });
    expect(api.lists.named("Work").todos.map((todo) => todo.title)).toEqual(["Write report"]);
    expect(api.authorizations.every((authorization) => authorization === old)).toBe(true);

    await user.click(within(notice).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("does not refresh when the list could not be created", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    api.failNext("POST", { status: 500, body: { error: "internal", message: "the table is unavailable" } });

    await createList(user, "Work");

    expect((await screen.findByRole("alert")).textContent).toContain("Could not create the list: the table is unavailable");
    await user.click(screen.getByRole("link", { name: "Chores" }));
    await screen.findByRole("checkbox", { name: "Take out the bins" });
    expect(api.authorizations.at(-1)).toBe(old);
  });
});

describe("after leaving a list", () => {
  it("refreshes the session before the next request", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await leaveChores(user);
    await user.click(screen.getByRole("link", { name: "Groceries" }));
    await screen.findByRole("checkbox", { name: "Buy milk" });

    expect(sent(api).slice(-3)).toEqual([
      "GET /lists/list-2/members (old token)",
      "DELETE /lists/list-2/members/user-ada (old token)",
      "GET /lists/list-1/todos (refreshed token)",
    ]);
  });

  it("is off the list even when the refresh fails, with a notice", async () => {
    const { api, session, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    session.failNextRefresh(new AuthFailure("unknown", "Cognito did not refresh the session: internal error"));

    await leaveChores(user);

    expect((await screen.findByRole("alert")).textContent).toContain(
      `${SESSION_NOT_REFRESHED} Cognito did not refresh the session: internal error`,
    );
    expect(screen.queryByRole("link", { name: "Chores" })).toBeNull();
    expect(api.lists.named("Chores").members).toEqual([]);
  });
});

describe("with the signed-in session", () => {
  it("asks the sign-in service for new tokens, and sends the new ID token next", async () => {
    const api = installFakeApi(ownAndShared);
    const auth = fakeAuth({ signedInAs: FAKE_USER });
    const user = userEvent.setup();
    render(<SessionGate auth={auth} apiUrl={FAKE_API_URL} />);
    await screen.findByRole("checkbox", { name: "Buy milk" });

    await createList(user, "Work");
    await screen.findByText("No todos yet — add your first one.");

    expect(auth.calls.filter((call) => call === "refreshSession")).toHaveLength(1);
    expect(api.authorizations.at(-1)).toBe(refreshed);
  });

  it("ends the session when the refresh finds it over", async () => {
    const api = installFakeApi(ownAndShared);
    const auth = fakeAuth({ signedInAs: FAKE_USER });
    const user = userEvent.setup();
    render(<SessionGate auth={auth} apiUrl={FAKE_API_URL} />);
    await screen.findByRole("checkbox", { name: "Buy milk" });
    auth.failNext("refreshSession", new AuthFailure("sessionExpired", AUTH_MESSAGES.sessionExpired));

    await createList(user, "Work");

    expect(await screen.findByText(SESSION_ENDED_NOTICE)).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
    // The list was created before the session ended: nothing is lost.
    expect(api.lists.named("Work").owner).toBe(FAKE_USER);
  });
});
