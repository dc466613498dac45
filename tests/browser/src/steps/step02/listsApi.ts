// The multi-tenant API (step02 on) called straight from the test process, as one signed-in
// user: to set up and clean up data, and to check what the server stored or refuses.

export interface StoredList {
  id: string;
  name: string;
  role: "owner" | "member";
  /** step05 on: present while the list's own table is being created. */
  status?: "preparing";
}

export interface StoredTodo {
  id: string;
  title: string;
  done: boolean;
  version: number;
}

export interface StoredMember {
  userId: string;
  email: string;
  role: "owner" | "member";
}

export function listsApi(apiUrl: string, idToken: () => Promise<string>) {
  const url = (path: string) => new URL(path, apiUrl).href;

  /** The raw answer, whatever its status. */
  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${await idToken()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url(path), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await send(method, path, body);
    if (!response.ok) throw new Error(`${method} ${url(path)}: HTTP ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  return {
    send,
    lists: async () => (await call<{ lists: StoredList[] }>("GET", "lists")).lists,
    createList: (name: string) => call<StoredList>("POST", "lists", { name }),
    deleteList: (id: string) => call<void>("DELETE", `lists/${id}`),
    todos: async (listId: string) => (await call<{ todos: StoredTodo[] }>("GET", `lists/${listId}/todos`)).todos,
    createTodo: (listId: string, title: string) => call<StoredTodo>("POST", `lists/${listId}/todos`, { title }),
    updateTodo: (listId: string, todo: StoredTodo, patch: { title?: string; done?: boolean }) =>
      call<StoredTodo>("PATCH", `lists/${listId}/todos/${todo.id}`, { ...patch, version: todo.version }),
    members: async (listId: string) => (await call<{ members: StoredMember[] }>("GET", `lists/${listId}/members`)).members,
    share: (listId: string, email: string) => call<StoredMember>("POST", `lists/${listId}/members`, { email }),

    /** Deletes every list this user owns and leaves every list shared with them. */
    async removeEverything(ownUserId?: string): Promise<void> {
      for (const list of await this.lists()) {
        if (list.role === "owner") await this.deleteList(list.id);
        else if (ownUserId) await call<void>("DELETE", `lists/${list.id}/members/${ownUserId}`);
      }
    },
  };
}
