// Sharing a list: the owner adds and removes members in the share dialog; a member sees the
// list apart from their own, changes its todos, cannot rename, delete or share it, and may leave.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { createListApi } from "../listApi.ts";
import { FAKE_API_URL, installFakeApi, type FakeApiOptions } from "../test/fakeApi.ts";
import { fakeApiSession } from "../test/fakeAuth.ts";
import { FAKE_USER } from "../test/fakeLists.ts";
import { NOT_AVAILABLE } from "../useLists.ts";
import { CHOOSE_A_LIST, ListsPage } from "./ListsPage.tsx";

const BOB = "bob@example.test";
const CAROL = "carol@example.test";

/** Ada owns "Groceries", shared with Bob; Bob owns "Chores", shared with Ada; Carol has signed up. */
const shared: FakeApiOptions = {
  lists: [
    { name: "Groceries", members: [BOB], todos: ["Buy milk"] },
    { name: "Chores", owner: BOB, members: [FAKE_USER], todos: ["Take out the bins"] },
    { name: "Carol's", owner: CAROL },
  ],
};

function renderPage(options: FakeApiOptions = shared) {
  const api = installFakeApi(options);
  const user = userEvent.setup();
  render(<ListsPage api={createListApi(FAKE_API_URL, fakeApiSession())} email={FAKE_USER} />);
  return { api, user };
}

const switcher = () => screen.getByRole("navigation", { name: "Lists" });
const group = (name: string) =>
  within(within(switcher()).getByRole("list", { name })).getAllByRole("link").map((link) => link.textContent);

async function openShared(user: ReturnType<typeof userEvent.setup>) {
  await screen.findByRole("checkbox", { name: "Buy milk" });
  await user.click(within(switcher()).getByRole("link", { name: "Chores" }));
  await screen.findByRole("checkbox", { name: "Take out the bins" });
}

async function openShareDialog(user: ReturnType<typeof userEvent.setup>) {
  await screen.findByRole("checkbox", { name: "Buy milk" });
  await user.click(screen.getByRole("button", { name: "Share list" }));
  const dialog = screen.getByRole("dialog", { name: "Share “Groceries”" });
  await within(dialog).findByRole("list", { name: "Members" });
  return dialog;
}

const memberEmails = (dialog: HTMLElement) =>
  within(within(dialog).getByRole("list", { name: "Members" }))
    .getAllByRole("listitem")
    .map((item) => item.querySelector(".member-email")?.textContent);

describe("lists shared with me", () => {
  it("are shown apart from my own, and lists I have no part in are not shown at all", async () => {
    renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });

    expect(group("My lists")).toEqual(["Groceries"]);
    expect(group("Shared with me")).toEqual(["Chores"]);
    expect(screen.queryByText("Carol's")).toBeNull();
  });

  it("let a member change the todos but show no owner actions", async () => {
    const { api, user } = renderPage();
    await openShared(user);

    expect(screen.getByText("Shared with you: you can change its todos; its owner manages the list.")).toBeTruthy();
    for (const name of ["Rename list", "Delete list", "Share list"]) {
      expect(screen.queryByRole("button", { name })).toBeNull();
    }
    expect(screen.getByRole("button", { name: "Leave list" })).toBeTruthy();

    await user.click(screen.getByRole("checkbox", { name: "Take out the bins" }));
    await screen.findByText("1 of 1 done");
    expect(api.lists.named("Chores").todos[0]?.done).toBe(true);
  });

  it("can be left, after a confirmation", async () => {
    const { api, user } = renderPage();
    await openShared(user);

    await user.click(screen.getByRole("button", { name: "Leave list" }));
    const question = screen.getByRole("alertdialog", {
      name: "Leave “Chores”? You will no longer see its todos, unless its owner shares it with you again.",
    });
    await user.click(within(question).getByRole("button", { name: "Stay" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Leave list" }));
    await user.click(screen.getByRole("button", { name: "Leave list" }));
    await user.click(screen.getByRole("button", { name: "Yes, leave list" }));

    expect(await screen.findByText(CHOOSE_A_LIST)).toBeTruthy();
    expect(screen.getByText("You left the list “Chores”.")).toBeTruthy();
    expect(within(switcher()).queryByRole("link", { name: "Chores" })).toBeNull();
    expect(api.lists.named("Chores").members).toEqual([]);
    expect(api.requests.slice(-2)).toEqual(["GET /lists/list-2/members", "DELETE /lists/list-2/members/user-ada"]);
  });

  it("go back to the lists with a message once the owner stops sharing them", async () => {
    const { api, user } = renderPage();
    await openShared(user);
    api.lists.named("Chores").members = [];

    await user.type(screen.getByRole("textbox", { name: "New todo" }), "Sweep{Enter}");

    expect(await screen.findByText(`“Chores” ${NOT_AVAILABLE}`)).toBeTruthy();
    expect(within(switcher()).queryByRole("link", { name: "Chores" })).toBeNull();
  });
});

describe("the share dialog", () => {
  it("is for the owner: it lists the members, the owner first", async () => {
    const { api, user } = renderPage();

    const dialog = await openShareDialog(user);

    expect(memberEmails(dialog)).toEqual([FAKE_USER, BOB]);
    expect(within(dialog).queryByRole("button", { name: `Remove ${FAKE_USER}` })).toBeNull();
    expect(within(dialog).getByRole("button", { name: `Remove ${BOB}` })).toBeTruthy();
    expect(document.activeElement).toBe(within(dialog).getByLabelText("Member's email"));
    expect(api.requests.at(-1)).toBe("GET /lists/list-1/members");
  });

  it("adds a member by email", async () => {
    const { api, user } = renderPage();
    const dialog = await openShareDialog(user);

    await user.type(within(dialog).getByLabelText("Member's email"), ` ${CAROL} `);
    await user.click(within(dialog).getByRole("button", { name: "Add member" }));

    expect(await within(dialog).findByText(`Shared “Groceries” with ${CAROL}.`)).toBeTruthy();
    expect(memberEmails(dialog)).toEqual([FAKE_USER, BOB, CAROL]);
    expect(within(dialog).getByLabelText<HTMLInputElement>("Member's email").value).toBe("");
    expect(api.lists.named("Groceries").members).toEqual([BOB, CAROL]);
    expect(api.requests.at(-1)).toBe(`POST /lists/list-1/members {"email":"${CAROL}"}`);
  });

  it.each([
    ["nobody@example.test", "Nobody has signed up with nobody@example.test. Ask them to create an account first, then share the list again."],
    [BOB, `${BOB} is a member of this list already.`],
    ["ADA@example.test", "That is your own address: you own this list already. Enter the address of someone else."],
    ["bob@example", "“bob@example” is not an email address; check it for typos."],
  ])("explains why %s cannot be added", async (email, problem) => {
    const { api, user } = renderPage();
    const dialog = await openShareDialog(user);

    await user.type(within(dialog).getByLabelText("Member's email"), `${email}{Enter}`);

    expect((await within(dialog).findByRole("alert")).textContent).toBe(problem);
    expect(memberEmails(dialog)).toEqual([FAKE_USER, BOB]);
    expect(api.lists.named("Groceries").members).toEqual([BOB]);
  });

  it("passes on the API's own refusal of the owner's address", async () => {
    const { api, user } = renderPage();
    const dialog = await openShareDialog(user);
    api.failNext("POST", { status: 400, body: { error: "validation_failed", message: "you own this list already; share it with someone else's email" } });

    await user.type(within(dialog).getByLabelText("Member's email"), `${CAROL}{Enter}`);

    expect((await within(dialog).findByRole("alert")).textContent).toBe(
      `Could not add ${CAROL}: you own this list already; share it with someone else's email`,
    );
  });

  it("removes a member", async () => {
    const { api, user } = renderPage();
    const dialog = await openShareDialog(user);

    await user.click(within(dialog).getByRole("button", { name: `Remove ${BOB}` }));

    expect(await within(dialog).findByText(`Removed ${BOB} from “Groceries”.`)).toBeTruthy();
    expect(memberEmails(dialog)).toEqual([FAKE_USER]);
    expect(api.lists.named("Groceries").members).toEqual([]);
    expect(api.requests.at(-1)).toBe("DELETE /lists/list-1/members/user-bob");
  });

  it("says when the members cannot be loaded, and Retry loads them", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("checkbox", { name: "Buy milk" });
    api.failNext("GET", { status: 500, body: { error: "internal_error", message: "something went wrong on our side; please try again" } });

    await user.click(screen.getByRole("button", { name: "Share list" }));
    const dialog = screen.getByRole("dialog", { name: "Share “Groceries”" });
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("Could not load the members: something went wrong on our side");
    await user.click(within(alert).getByRole("button", { name: "Retry" }));

    expect(await within(dialog).findByRole("list", { name: "Members" })).toBeTruthy();
  });

  it("closes with Close, and focus goes back to Share list", async () => {
    const { user } = renderPage();
    const dialog = await openShareDialog(user);

    await user.click(within(dialog).getByRole("button", { name: "Close" }));

    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Share list" }));
  });
});
