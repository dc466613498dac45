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
    /** For a 503 (the list is still being prepared): the seconds to wait before asking again. */
    readonly retryAfter: number | null = null,
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
  return retryingWrites(send);
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
  const retryAfter = response.status === 503 ? retryAfterOf(response) : null;
  if (isRecord(body) && typeof body["message"] === "string") {
    const code = typeof body["error"] === "string" ? body["error"] : "unknown";
    return new ApiError(response.status, code, body["message"], retryAfter);
  }
  return new ApiError(response.status, "unknown", `The API answered HTTP ${response.status} without an error message.`, retryAfter);
}

/** Seconds to wait when a 503 does not say (or the browser may not read Retry-After). */
export const DEFAULT_RETRY_AFTER = 2;
/** How many times a write refused with 503 is sent again before the user is told. */
export const WRITE_RETRIES = 3;
export const NOT_SAVED_YET = "not saved yet: the list is still being prepared; try again in a few seconds.";

/**
 * A new list gets a table of its own, which AWS takes a few seconds to create. Until it is
 * ready, the API answers every route of the list with 503 "unavailable" and a Retry-After
 * header. (Other 503s, such as sign-in keys that cannot be fetched, are not about the list.)
 */
export function isPreparing(error: unknown): error is ApiError & { retryAfter: number } {
  return error instanceof ApiError && error.status === 503 && error.code === "unavailable" && error.retryAfter !== null;
}

/**
 * Retry-After in seconds, kept between 1 and 30 (never a busy loop, never a stuck page); only
 * the delay form is expected, anything else means the default.
 */
function retryAfterOf(response: Response): number {
  const header = response.headers.get("Retry-After")?.trim() ?? "";
  if (!/^\d+$/.test(header)) return DEFAULT_RETRY_AFTER;
  return Math.min(Math.max(Number(header), 1), 30);
}

/**
 * Sends a write refused because its list is still being prepared again after Retry-After, up to
 * WRITE_RETRIES times, so that a change made too early is not lost; if the list is still not
 * ready, rejects with NOT_SAVED_YET and the form keeps what the user typed. Reads are not
 * retried here: the page shows that the list is being prepared and asks again (useTodos).
 */
function retryingWrites(send: Send): Send {
  return async (method, path, body, signal) => {
    for (let retries = 0; ; retries++) {
      try {
        return await send(method, path, body, signal);
      } catch (error) {
        // Only a list's routes are refused while it is prepared; creating a list is never resent.
        if (method === "GET" || !path.startsWith("lists/") || !isPreparing(error)) throw error;
        if (retries === WRITE_RETRIES) throw new ApiError(503, error.code, NOT_SAVED_YET, error.retryAfter);
        await new Promise((resolve) => setTimeout(resolve, error.retryAfter * 1000));
      }
    }
  };
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
