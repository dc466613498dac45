// Typed client for the todo REST API. Every failure becomes an ApiError whose message
// can be shown to the user as is.

export interface Todo {
  id: string;
  title: string;
  done: boolean;
  createdAt: string;
  updatedAt: string;
  /** Goes up with every change; a change or delete names the version it was made on. */
  version: number;
}

export interface TodoChanges {
  title?: string;
  done?: boolean;
}

export interface TodoApi {
  listTodos(signal?: AbortSignal): Promise<Todo[]>;
  createTodo(title: string): Promise<Todo>;
  /**
   * `version` is the todo's version the change was made on: if someone changed the todo since,
   * the API refuses (ApiError status 409) rather than overwrite their change.
   */
  updateTodo(id: string, changes: TodoChanges, version: number): Promise<Todo>;
  deleteTodo(id: string, version: number): Promise<void>;
}

export class ApiError extends Error {
  constructor(
    /** HTTP status, or 0 when the API could not be reached at all. */
    readonly status: number,
    /** The API's machine-readable code, e.g. "validation_failed" or "not_found". */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** What the client needs from the signed-in session. */
export interface ApiSession {
  /** The user's ID token, which the API verifies; rejects when the session is over. */
  idToken(): Promise<string>;
  /** The API refused the token (HTTP 401): it expired or was revoked, so the session is over. */
  onUnauthorized(): void;
  /** Fetches a new ID token now, so the next call's token names the user's current lists. */
  refresh(): Promise<void>;
}

/** Sends one request with the user's token; resolves to a 2xx response, rejects with an ApiError. */
export type Send = (method: string, path: string, body?: unknown, signal?: AbortSignal) => Promise<Response>;

/** `apiUrl` is the configured base URL, ending in "/" (see config.ts); `path` is relative to it. */
export function createSend(apiUrl: string, session: ApiSession): Send {
  async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const url = new URL(path, apiUrl).href;
    const headers: Record<string, string> = { Accept: "application/json" };
    // Asked for before every call, never kept: Amplify refreshes an expiring token silently.
    headers["Authorization"] = `Bearer ${await session.idToken()}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (signal) init.signal = signal;
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (signal?.aborted) throw error;
      // Browsers hide CORS failures behind the same TypeError as an unreachable host.
      throw new ApiError(0, "unreachable", `Could not reach the API at ${url}. Is it running, and is apiUrl in config.json right?`);
    }
    if (response.status === 401) session.onUnauthorized();
    if (!response.ok) throw await errorFrom(response);
    return response;
  }
  return send;
}

/**
 * The todos of one list. A list is a tenant: its todos live under its own path, with the same
 * routes as before, and the API answers 404 for a list the user may not see.
 */
export function createTodoApi(apiUrl: string, session: ApiSession, listId: string): TodoApi {
  const sendToApi = createSend(apiUrl, session);
  const listPath = `lists/${encodeURIComponent(listId)}/`;
  const send: Send = (method, path, body, signal) => sendToApi(method, listPath + path, body, signal);

  const todoPath = (id: string) => `todos/${encodeURIComponent(id)}`;

  return {
    async listTodos(signal) {
      const body = await json(await send("GET", "todos", undefined, signal));
      const todos = isRecord(body) ? body["todos"] : undefined;
      if (!Array.isArray(todos) || !todos.every(isTodo)) throw unexpectedBody();
      return todos;
    },
    async createTodo(title) {
      return todoFrom(await send("POST", "todos", { title }));
    },
    async updateTodo(id, changes, version) {
      return todoFrom(await send("PATCH", todoPath(id), { ...changes, version }));
    },
    async deleteTodo(id, version) {
      await send("DELETE", `${todoPath(id)}?version=${version}`);
    },
  };
}

async function errorFrom(response: Response): Promise<ApiError> {
  const body = await json(response).catch(() => undefined);
  if (isRecord(body) && typeof body["message"] === "string") {
    const code = typeof body["error"] === "string" ? body["error"] : "unknown";
    return new ApiError(response.status, code, body["message"]);
  }
  return new ApiError(response.status, "unknown", `The API answered HTTP ${response.status} without an error message.`);
}

async function todoFrom(response: Response): Promise<Todo> {
  const body = await json(response);
  if (!isTodo(body)) throw unexpectedBody();
  return body;
}

export async function json(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw unexpectedBody();
  }
}

function unexpectedBody(): ApiError {
  return new ApiError(0, "invalid_response", "The API answered with something that is not a todo; is apiUrl pointing at the todo API?");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTodo(value: unknown): value is Todo {
  return (
    isRecord(value) &&
    typeof value["id"] === "string" &&
    typeof value["title"] === "string" &&
    typeof value["done"] === "boolean" &&
    typeof value["createdAt"] === "string" &&
    typeof value["updatedAt"] === "string" &&
    typeof value["version"] === "number"
  );
}
