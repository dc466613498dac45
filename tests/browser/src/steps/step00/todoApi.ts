// The todo REST API (step00, step01) called straight from the test process: to reset the data
// before each journey and to check what the server stored, independently of what the page shows.
// From step01 on, every call carries an ID token: `idToken` gets a valid one.

export interface StoredTodo {
  id: string;
  title: string;
  done: boolean;
}

export function todoApi(apiUrl: string, idToken?: () => Promise<string>) {
  const url = (path: string) => new URL(path, apiUrl).href;

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (idToken) headers["Authorization"] = `Bearer ${await idToken()}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      init.headers = { ...init.headers, "Content-Type": "application/json" };
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url(path), init);
    if (!response.ok) throw new Error(`${method} ${url(path)}: HTTP ${response.status} ${await response.text()}`);
    return response;
  }

  return {
    async list(): Promise<StoredTodo[]> {
      const body = (await (await call("GET", "todos")).json()) as { todos: StoredTodo[] };
      return body.todos;
    },
    async create(title: string): Promise<StoredTodo> {
      return (await (await call("POST", "todos", { title })).json()) as StoredTodo;
    },
    async remove(id: string): Promise<void> {
      await call("DELETE", `todos/${encodeURIComponent(id)}`);
    },
    async removeAll(): Promise<void> {
      for (const todo of await this.list()) await this.remove(todo.id);
    },
  };
}
