// The todo list's state and the actions that change it. Every change waits for the API
// (no optimistic updates), so what the user sees is what the server stored.
// Others may change the same list: a change made on an outdated todo is refused (409), and
// the list is then reloaded so the user sees what the others did before trying again.
// A new list's table takes AWS a few seconds to create: until it is ready, loading the todos is
// refused (503), and the page says the list is being prepared and asks again after Retry-After.
import { useCallback, useEffect, useState } from "react";
import { ApiError, isPreparing, type Todo, type TodoApi, type TodoChanges } from "./api.ts";

export type ListState =
  | { status: "loading" }
  /** The list's own table is still being created; the todos are asked for again shortly. */
  | { status: "preparing" }
  | { status: "failed"; message: string }
  | { status: "ready"; todos: Todo[] };

/** How long a list may stay "preparing" before the page stops asking and offers Retry. */
export const PREPARING_LIMIT_MS = 60_000;
export const PREPARING_TOO_LONG = "the list is still being prepared after a minute. Try again in a moment.";

export interface TodoActions {
  list: ListState;
  /** True while a new todo is being created. */
  adding: boolean;
  /** Ids of todos with a request in flight; their controls are disabled. */
  busyIds: ReadonlySet<string>;
  /** The last failed action, shown without hiding the list. */
  actionError: string | null;
  /** A short sentence for screen readers after each successful change. */
  announcement: string;
  reload(): void;
  dismissError(): void;
  /** Each action resolves to true on success, so forms know whether to reset. */
  add(title: string): Promise<boolean>;
  update(todo: Todo, changes: TodoChanges): Promise<boolean>;
  remove(todo: Todo): Promise<boolean>;
}

export function useTodos(api: TodoApi): TodoActions {
  const [list, setList] = useState<ListState>({ status: "loading" });
  const [loadCount, setLoadCount] = useState(0);
  const [adding, setAdding] = useState(false);
  const [busyIds, setBusyIds] = useState<ReadonlySet<string>>(new Set());
  const [actionError, setActionError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    const controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    /** Loads the todos; `preparingSince` is when the API first said the list is being prepared. */
    const load = (preparingSince: number | null) =>
      api.listTodos(controller.signal).then(
        (todos) => setList({ status: "ready", todos: [...todos].sort(byCreation) }),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          if (!isPreparing(error)) return setList({ status: "failed", message: messageOf(error) });
          const since = preparingSince ?? Date.now();
          if (Date.now() - since >= PREPARING_LIMIT_MS) return setList({ status: "failed", message: PREPARING_TOO_LONG });
          setList({ status: "preparing" });
          retry = setTimeout(() => load(since), error.retryAfter * 1000);
        },
      );
    setList({ status: "loading" });
    load(null);
    return () => {
      controller.abort();
      clearTimeout(retry);
    };
  }, [api, loadCount]);

  const replaceTodos = useCallback((change: (todos: Todo[]) => Todo[]) => {
    setList((current) => (current.status === "ready" ? { ...current, todos: change(current.todos) } : current));
  }, []);

  const setBusy = useCallback((id: string, busy: boolean) => {
    setBusyIds((current) => {
      const next = new Set(current);
      if (busy) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  /** Someone else changed a todo first: say so, and show the list as it is now. */
  const showLatest = useCallback(
    async (message: string) => {
      setActionError(message);
      try {
        const todos = await api.listTodos();
        setList({ status: "ready", todos: [...todos].sort(byCreation) });
      } catch (error) {
        setList({ status: "failed", message: messageOf(error) });
      }
    },
    [api],
  );

  const add = useCallback(
    async (title: string) => {
      setAdding(true);
      setActionError(null);
      try {
        const created = await api.createTodo(title);
        replaceTodos((todos) => [...todos, created]);
        setAnnouncement(`Added “${created.title}”.`);
        return true;
      } catch (error) {
        setActionError(`Could not add the todo: ${messageOf(error)}`);
        return false;
      } finally {
        setAdding(false);
      }
    },
    [api, replaceTodos],
  );

  const update = useCallback(
    async (todo: Todo, changes: TodoChanges) => {
      setBusy(todo.id, true);
      setActionError(null);
      try {
        const updated = await api.updateTodo(todo.id, changes, todo.version);
        replaceTodos((todos) => todos.map((t) => (t.id === updated.id ? updated : t)));
        setAnnouncement(describeUpdate(updated, changes));
        return true;
      } catch (error) {
        if (isConflict(error)) {
          await showLatest(
            `Your change to “${todo.title}” was not applied: someone else changed it first. The list now shows the latest version; make your change again if you still want it.`,
          );
          return false;
        }
        setActionError(`Could not update “${todo.title}”: ${messageOf(error)}`);
        return false;
      } finally {
        setBusy(todo.id, false);
      }
    },
    [api, replaceTodos, setBusy, showLatest],
  );

  const remove = useCallback(
    async (todo: Todo) => {
      setBusy(todo.id, true);
      setActionError(null);
      try {
        await api.deleteTodo(todo.id, todo.version);
      } catch (error) {
        if (isConflict(error)) {
          await showLatest(
            `“${todo.title}” was not deleted: someone else changed it first. The list now shows the latest version; delete it again if you still want to.`,
          );
          setBusy(todo.id, false);
          return false;
        }
        // Already gone on the server (deleted in another tab): the user's intent is met.
        if (!(error instanceof ApiError && error.status === 404)) {
          setActionError(`Could not delete “${todo.title}”: ${messageOf(error)}`);
          setBusy(todo.id, false);
          return false;
        }
      }
      replaceTodos((todos) => todos.filter((t) => t.id !== todo.id));
      setAnnouncement(`Deleted “${todo.title}”.`);
      setBusy(todo.id, false);
      return true;
    },
    [api, replaceTodos, setBusy, showLatest],
  );

  return {
    list,
    adding,
    busyIds,
    actionError,
    announcement,
    reload: useCallback(() => setLoadCount((n) => n + 1), []),
    dismissError: useCallback(() => setActionError(null), []),
    add,
    update,
    remove,
  };
}

// Oldest first, so a new todo appears at the bottom where the user expects it.
function byCreation(a: Todo, b: Todo): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

function describeUpdate(todo: Todo, changes: TodoChanges): string {
  if (changes.title !== undefined) return `Renamed to “${todo.title}”.`;
  return todo.done ? `Marked “${todo.title}” done.` : `Marked “${todo.title}” not done.`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The API refused a change made on an outdated version of the todo. */
function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}
