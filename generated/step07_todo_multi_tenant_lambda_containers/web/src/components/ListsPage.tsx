// The signed-in page: the user's lists beside the open list's todos. Each list is a tenant;
// switching lists shows another tenant's todos, never a mix.
import { useMemo } from "react";
import { ApiError, type TodoApi } from "../api.ts";
import type { ListApi } from "../listApi.ts";
import { useLists } from "../useLists.ts";
import { ActionErrorBanner } from "./ActionErrorBanner.tsx";
import { CreateListForm } from "./CreateListForm.tsx";
import { ListHeader } from "./ListHeader.tsx";
import { ListSwitcher } from "./ListSwitcher.tsx";
import { TodoPage } from "./TodoPage.tsx";

export const NO_LISTS = "No lists yet — create your first list.";
export const CHOOSE_A_LIST = "Choose a list, or create a new one.";

interface Props {
  api: ListApi;
  /** The signed-in user's address. */
  email: string;
}

export function ListsPage({ api, email }: Props) {
  const lists = useLists(api, email);
  const { selected, gone, ready } = lists;
  const selectedId = selected?.id ?? null;

  // One client per open list, made again only when another list opens (a new client reloads
  // the todos, which renaming the list must not do).
  const todoApi = useMemo(() => {
    if (selected === null) return null;
    const list = selected;
    return noticingReady(
      noticingGone(api.todos(list.id), () => gone(list)),
      () => ready(list),
    );
  }, [api, selectedId, gone, ready]);
  const memberApi = useMemo(() => (selectedId === null ? null : api.members(selectedId)), [api, selectedId]);

  return (
    <main className="page lists-page">
      <h1>Todos</h1>
      {lists.message && <ActionErrorBanner message={lists.message} onDismiss={lists.dismissMessage} />}
      <p className="visually-hidden" aria-live="polite">
        {lists.announcement}
      </p>
      {lists.lists.status === "loading" && <p role="status">Loading your lists…</p>}
      {lists.lists.status === "failed" && (
        <div role="alert" className="panel panel-error">
          <p>Could not load your lists: {lists.lists.message}</p>
          <button type="button" onClick={lists.reload}>
            Retry
          </button>
        </div>
      )}
      {lists.lists.status === "ready" && (
        <div className="lists-layout">
          <div className="list-sidebar">
            <ListSwitcher lists={lists.lists.lists} selectedId={selectedId} onSelect={lists.select} />
            <CreateListForm creating={lists.creating} onCreate={lists.create} />
          </div>
          {selected !== null && todoApi !== null && memberApi !== null ? (
            // Keyed by the list: another list starts afresh, with nothing left of the one before.
            <section key={selected.id} className="list-view" aria-label={selected.name}>
              <ListHeader
                list={selected}
                busy={lists.busy}
                onRename={(name) => lists.rename(selected, name)}
                onDelete={() => lists.remove(selected)}
                onLeave={() => lists.leave(selected)}
                members={memberApi}
                email={email}
              />
              <TodoPage api={todoApi} />
            </section>
          ) : (
            <p className="empty list-view">{lists.lists.lists.length === 0 ? NO_LISTS : CHOOSE_A_LIST}</p>
          )}
        </div>
      )}
    </main>
  );
}

/**
 * `todos`, telling `onGone` when the API answers 404 for the list itself: loading its todos or
 * adding one. (A 404 for one todo, when changing or deleting it, may mean only that todo is gone.)
 */
function noticingGone(todos: TodoApi, onGone: () => void): TodoApi {
  const watch = async <T,>(call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) onGone();
      throw error;
    }
  };
  return {
    ...todos,
    listTodos: (signal) => watch(todos.listTodos(signal)),
    createTodo: (title) => watch(todos.createTodo(title)),
  };
}

/** `todos`, telling `onReady` when they load: a list that was being prepared is ready now. */
function noticingReady(todos: TodoApi, onReady: () => void): TodoApi {
  return {
    ...todos,
    listTodos: async (signal) => {
      const loaded = await todos.listTodos(signal);
      onReady();
      return loaded;
    },
  };
}
