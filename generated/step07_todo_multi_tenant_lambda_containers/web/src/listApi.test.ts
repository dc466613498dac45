// The list client and the member client: paths, bodies and what they accept back.
import { describe, expect, it, vi } from "vitest";
import { createListApi } from "./listApi.ts";
import { fakeApiSession } from "./test/fakeAuth.ts";

const API_URL = "https://api.example.test/prod/";
const api = createListApi(API_URL, fakeApiSession());

const list = (id: string, createdAt: string) => ({ id, name: `List ${id}`, role: "owner", createdAt, updatedAt: createdAt });

function answer(status: number, body?: unknown) {
  const fetch = vi.fn(async (_url: string, _init?: RequestInit) =>
    body === undefined ? new Response(null, { status }) : new Response(JSON.stringify(body), { status }),
  );
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

const sent = (fetch: ReturnType<typeof answer>) =>
  fetch.mock.calls.map(([url, init]) => `${init?.method} ${url}${typeof init?.body === "string" ? ` ${init.body}` : ""}`);

describe("createListApi", () => {
  it("lists the user's lists oldest first, whatever order they come in", async () => {
    answer(200, { lists: [list("b", "2025-01-02T00:00:00Z"), list("a", "2025-01-01T00:00:00Z")] });

    expect((await api.lists()).map((l) => l.id)).toEqual(["a", "b"]);
  });

  it("creates, renames and deletes lists at their paths, ids escaped", async () => {
    const fetch = answer(200, list("a/b", "2025-01-01T00:00:00Z"));

    await api.createList("Groceries");
    await api.renameList("a/b", "Food");

    expect(sent(fetch)).toEqual([
      `POST ${API_URL}lists {"name":"Groceries"}`,
      `PATCH ${API_URL}lists/a%2Fb {"name":"Food"}`,
    ]);
    const deleted = answer(204);
    await api.deleteList("a/b");
    expect(sent(deleted)).toEqual([`DELETE ${API_URL}lists/a%2Fb`]);
  });

  it("reaches a list's todos under the list's path", async () => {
    const fetch = answer(200, { todos: [] });

    await api.todos("list-1").listTodos();

    expect(sent(fetch)).toEqual([`GET ${API_URL}lists/list-1/todos`]);
  });

  it.each([
    [{ lists: [{ id: "a", name: "A", role: "admin", createdAt: "2025-01-01T00:00:00Z" }] }],
    [{ lists: [{ id: "a", role: "owner", createdAt: "2025-01-01T00:00:00Z" }] }],
    [{ items: [] }],
  ])("rejects an answer that is not a list of lists: %j", async (body) => {
    answer(200, body);

    await expect(api.lists()).rejects.toMatchObject({ code: "invalid_response" });
  });

  it("passes on the API's refusal with its status and message", async () => {
    answer(403, { error: "forbidden", message: "only the list's owner may rename it" });

    await expect(api.renameList("a", "B")).rejects.toMatchObject({ status: 403, message: "only the list's owner may rename it" });
  });
});

describe("a list's members", () => {
  const members = api.members("list-1");

  it("lists, adds and removes members at the list's member paths", async () => {
    const member = { userId: "user/bob", email: "bob@example.test", role: "member" };
    const fetch = answer(200, { members: [member] });
    expect(await members.list()).toEqual([member]);
    answer(201, member);
    expect(await members.add("bob@example.test")).toEqual(member);
    const removed = answer(204);
    await members.remove("user/bob");

    expect(sent(fetch)).toEqual([`GET ${API_URL}lists/list-1/members`]);
    expect(sent(removed)).toEqual([`DELETE ${API_URL}lists/list-1/members/user%2Fbob`]);
  });

  it("rejects an answer that is not a member", async () => {
    answer(201, { email: "bob@example.test" });

    await expect(members.add("bob@example.test")).rejects.toMatchObject({ code: "invalid_response" });
  });
});

describe("a list being prepared", () => {
  it("is created with its status when the API answers 202, and listed so", async () => {
    const preparing = { ...list("a", "2025-01-01T00:00:00Z"), status: "preparing" };
    answer(202, preparing);
    expect(await api.createList("Groceries")).toMatchObject({ id: "a", status: "preparing" });

    answer(200, { lists: [preparing, list("b", "2025-01-02T00:00:00Z")] });
    expect((await api.lists()).map((l) => l.status)).toEqual(["preparing", undefined]);
  });

  it("rejects any other status", async () => {
    answer(200, { lists: [{ ...list("a", "2025-01-01T00:00:00Z"), status: "ready" }] });

    await expect(api.lists()).rejects.toMatchObject({ code: "invalid_response" });
  });
});
