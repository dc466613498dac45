// Typed client for the list routes: the user's todo lists, each one a tenant with its own
// todos and members. Failures are ApiErrors, as for the todo routes.
import { ApiError, createTodoApi, createSend, isRecord, json, type ApiSession, type TodoApi } from "./api.ts";
import { createMemberApi, type MemberApi } from "./memberApi.ts";

/** What the user is to a list: its owner (who created it) or a member it was shared with. */
export type Role = "owner" | "member";

export interface ListInfo {
  /** The tenant id: every todo of the list lives under it. */
  id: string;
  name: string;
  /** The signed-in user's role on this list. */
  role: Role;
  createdAt: string;
  /**
   * Present while the list's own table is being created, which takes AWS a few seconds: until
   * then the API answers the list's routes with 503 (see isPreparing in api.ts).
   */
  status?: "preparing";
}

export interface ListApi {
  /** The user's lists, oldest first: their own and those shared with them. */
  lists(signal?: AbortSignal): Promise<ListInfo[]>;
  /** The new list; its status is "preparing" (HTTP 202) until its table is ready. */
  createList(name: string): Promise<ListInfo>;
  /** Owner only. */
  renameList(id: string, name: string): Promise<ListInfo>;
  /** Owner only: the list and all its todos. */
  deleteList(id: string): Promise<void>;
  /** The todo routes of one list. */
  todos(listId: string): TodoApi;
  /** The member routes of one list. */
  members(listId: string): MemberApi;
  /**
   * Asks for a new ID token after the user created or left a list: the token's `tenants` claim
   * lists the user's lists as they were when it was issued. Until it is refreshed the API still
   * answers, checking the user's lists in the table instead of the claim.
   */
  refreshSession(): Promise<void>;
}

/** `apiUrl` is the configured base URL, ending in "/" (see config.ts). */
export function createListApi(apiUrl: string, session: ApiSession): ListApi {
  const send = createSend(apiUrl, session);
  const listPath = (id: string) => `lists/${encodeURIComponent(id)}`;

  return {
    async lists(signal) {
      const body = await json(await send("GET", "lists", undefined, signal));
      const lists = isRecord(body) ? body["lists"] : undefined;
      if (!Array.isArray(lists) || !lists.every(isList)) throw unexpectedBody();
      return [...lists].sort(byCreation);
    },
    async createList(name) {
      return listFrom(await send("POST", "lists", { name }));
    },
    async renameList(id, name) {
      return listFrom(await send("PATCH", listPath(id), { name }));
    },
    async deleteList(id) {
      await send("DELETE", listPath(id));
    },
    todos: (listId) => createTodoApi(apiUrl, session, listId),
    members: (listId) => createMemberApi(apiUrl, session, listId),
    refreshSession: () => session.refresh(),
  };
}

async function listFrom(response: Response): Promise<ListInfo> {
  const body = await json(response);
  if (!isList(body)) throw unexpectedBody();
  return body;
}

// Oldest first, as the API promises, whatever order it answers in.
function byCreation(a: ListInfo, b: ListInfo): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

function unexpectedBody(): ApiError {
  return new ApiError(0, "invalid_response", "The API answered with something that is not a todo list; is apiUrl pointing at the todo API?");
}

function isList(value: unknown): value is ListInfo {
  return (
    isRecord(value) &&
    typeof value["id"] === "string" &&
    typeof value["name"] === "string" &&
    (value["role"] === "owner" || value["role"] === "member") &&
    typeof value["createdAt"] === "string" &&
    (value["status"] === undefined || value["status"] === "preparing")
  );
}
