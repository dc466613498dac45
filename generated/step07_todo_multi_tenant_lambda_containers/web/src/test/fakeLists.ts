// The list routes of the fake API: each list a tenant with its own todos and members,
// answered as the real API answers whoever `caller` is.
import type { Todo } from "../api.ts";
import type { ListInfo, Role } from "../listApi.ts";
import type { CannedResponse } from "./fakeApi.ts";

/** The user the fake API's requests come from unless a test says otherwise (fakeAuth's account). */
export const FAKE_USER = "ada@example.test";

export type TodoSeed = string | (Partial<Todo> & { title: string });

export interface FakeListSeed {
  name: string;
  /** The owner's email; FAKE_USER by default. */
  owner?: string;
  /** The emails of the users it is shared with. */
  members?: string[];
  /** Its todos, oldest first. */
  todos?: TodoSeed[];
  /** How many requests to its routes are refused (503) before its table is ready; 0 by default. */
  preparingFor?: number;
}

export interface FakeList {
  id: string;
  name: string;
  owner: string;
  members: string[];
  createdAt: string;
  updatedAt: string;
  todos: Todo[];
  /**
   * While above 0 the list is being prepared: GET /lists shows it so, and each request to its
   * routes is answered 503 (counting this down) as the real API does until the table is ready.
   */
  preparingFor: number;
}

export interface FakeLists {
  /** Every list, whoever may see it, oldest first. */
  readonly all: FakeList[];
  /** The email of the user the requests come from. */
  caller: string;
  /** The emails of everyone who has signed up; only they can be added as members. */
  readonly users: Set<string>;
  /** `preparingFor` of each list created from now on: above 0, POST /lists answers 202, not 201. */
  prepareNewListsFor: number;
  /** The Retry-After header of a 503 for a list being prepared; null sends none. */
  retryAfter: string | null;
  /** The list called `name`; throws when there is none, so a typo in a test fails loudly. */
  named(name: string): FakeList;
  /** Answers a request under /lists; `path` has no leading slash, e.g. "lists/list-1". */
  route(method: string, path: string, body: unknown, todoRoute: TodoRoute): CannedResponse;
}

/** The todo routes, on one list's todos: `path` is relative to the list, e.g. "todos/todo-1". */
export type TodoRoute = (path: string, todos: Todo[]) => CannedResponse;

/** The user id (the ID token's `sub`) that the fake API gives `email`. */
export function userIdOf(email: string): string {
  return `user-${email.split("@")[0]}`;
}

export function createFakeLists(
  seeds: FakeListSeed[],
  makeTodo: (fields: Partial<Todo> & { title: string }) => Todo,
  timestamp: () => string,
): FakeLists {
  let nextId = 1;
  const makeList = (name: string, owner: string): FakeList => {
    const at = timestamp();
    return { id: `list-${nextId++}`, name, owner, members: [], createdAt: at, updatedAt: at, todos: [], preparingFor: 0 };
  };
  const all = seeds.map((seed) => ({
    ...makeList(seed.name, seed.owner ?? FAKE_USER),
    members: [...(seed.members ?? [])],
    todos: (seed.todos ?? []).map((todo) => makeTodo(typeof todo === "string" ? { title: todo } : todo)),
    preparingFor: seed.preparingFor ?? 0,
  }));
  const users = new Set([FAKE_USER, ...all.flatMap((list) => [list.owner, ...list.members])]);

  function roleOf(list: FakeList, email: string): Role | null {
    if (list.owner === email) return "owner";
    if (list.members.includes(email)) return "member";
    return null;
  }

  const view = (list: FakeList, role: Role): ListInfo & { updatedAt: string } => ({
    id: list.id,
    name: list.name,
    role,
    createdAt: list.createdAt,
    updatedAt: list.updatedAt,
    ...(list.preparingFor > 0 ? { status: "preparing" as const } : {}),
  });

  const fake: FakeLists = {
    all,
    caller: FAKE_USER,
    users,
    prepareNewListsFor: 0,
    retryAfter: "2",
    named(name) {
      const list = all.find((l) => l.name === name);
      if (list === undefined) throw new Error(`the fake API has no list called “${name}”`);
      return list;
    },
    route(method, path, body, todoRoute) {
      const caller = fake.caller;
      if (path === "lists" && method === "GET") {
        const visible = all.flatMap((list) => {
          const role = roleOf(list, caller);
          return role === null ? [] : [view(list, role)];
        });
        return { status: 200, body: { lists: visible } };
      }
      if (path === "lists" && method === "POST") {
        const name = validName(body);
        if (name === null) return nameError();
        const list = makeList(name, caller);
        list.preparingFor = fake.prepareNewListsFor;
        all.push(list);
        return { status: list.preparingFor > 0 ? 202 : 201, body: view(list, "owner") };
      }

      const match = path.match(/^lists\/([^/]+)(?:\/(.+))?$/);
      if (!match) return noRoute(method, path);
      const id = decodeURIComponent(match[1]!);
      const list = all.find((l) => l.id === id);
      const role = list === undefined ? null : roleOf(list, caller);
      // Missing, or not the caller's: the same answer, so that a list's existence is not revealed.
      if (list === undefined || role === null) return { status: 404, body: { error: "not_found", message: `list ${id} does not exist` } };
      if (list.preparingFor > 0) {
        list.preparingFor--;
        const headers: Record<string, string> = fake.retryAfter === null ? {} : { "Retry-After": fake.retryAfter };
        return { status: 503, headers, body: { error: "unavailable", message: `list ${id} is being prepared; try again in a few seconds` } };
      }

      const rest = match[2];
      if (rest === undefined) {
        if (method === "GET") return { status: 200, body: view(list, role) };
        if (method === "PATCH") {
          if (role !== "owner") return forbidden("rename it");
          const name = validName(body);
          if (name === null) return nameError();
          list.name = name;
          list.updatedAt = timestamp();
          return { status: 200, body: view(list, role) };
        }
        if (method === "DELETE") {
          if (role !== "owner") return forbidden("delete it");
          all.splice(all.indexOf(list), 1);
          return { status: 204 };
        }
        return noRoute(method, path);
      }
      if (rest === "todos" || rest.startsWith("todos/")) return todoRoute(rest, list.todos);
      if (rest === "members" || rest.startsWith("members/")) return memberRoute(method, rest, body, list, role, caller);
      return noRoute(method, path);
    },
  };

  function memberRoute(method: string, path: string, body: unknown, list: FakeList, role: Role, caller: string): CannedResponse {
    const member = (email: string, memberRole: Role) => ({ userId: userIdOf(email), email, role: memberRole });
    if (path === "members" && method === "GET") {
      return { status: 200, body: { members: [member(list.owner, "owner"), ...list.members.map((email) => member(email, "member"))] } };
    }
    if (path === "members" && method === "POST") {
      if (role !== "owner") return forbidden("share it");
      const email = (body as { email?: unknown } | undefined)?.email;
      if (typeof email !== "string" || !email.includes("@")) {
        return { status: 400, body: { error: "validation_failed", message: "email must be an email address" } };
      }
      const user = [...users].find((known) => known.toLowerCase() === email.trim().toLowerCase());
      if (user === undefined) {
        const message = `no user is registered with the email ${email}; ask them to sign up first, then share the list again`;
        return { status: 404, body: { error: "not_found", message } };
      }
      if (user === list.owner) {
        return { status: 400, body: { error: "validation_failed", message: "you own this list already; share it with someone else's email" } };
      }
      if (list.members.includes(user)) return { status: 409, body: { error: "conflict", message: `${user} is already on this list` } };
      list.members.push(user);
      return { status: 201, body: member(user, "member") };
    }
    const match = path.match(/^members\/([^/]+)$/);
    if (match && method === "DELETE") {
      const userId = decodeURIComponent(match[1]!);
      const own = userId === userIdOf(caller);
      if (own && role === "owner") {
        return { status: 400, body: { error: "validation_failed", message: "the owner cannot leave the list; delete it instead" } };
      }
      if (!own && role !== "owner") return forbidden("remove its members");
      const email = list.members.find((m) => userIdOf(m) === userId);
      if (email === undefined) return { status: 404, body: { error: "not_found", message: `user ${userId} is not on this list` } };
      list.members.splice(list.members.indexOf(email), 1);
      return { status: 204 };
    }
    return noRoute(method, path);
  }

  return fake;
}

function validName(body: unknown): string | null {
  const name = (body as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string") return null;
  const trimmed = name.trim();
  return trimmed.length >= 1 && [...trimmed].length <= 100 ? trimmed : null;
}

function nameError(): CannedResponse {
  return { status: 400, body: { error: "validation_failed", message: "name must be 1 to 100 characters" } };
}

function forbidden(action: string): CannedResponse {
  return { status: 403, body: { error: "forbidden", message: `only the list's owner may ${action}` } };
}

function noRoute(method: string, path: string): CannedResponse {
  return { status: 404, body: { error: "not_found", message: `no route for ${method} /${path}` } };
}
