// The todos of the open list: the add form, the list, and the status and error regions.
import type { TodoApi } from "../api.ts";
import { useTodos } from "../useTodos.ts";
import { ActionErrorBanner } from "./ActionErrorBanner.tsx";
import { AddTodoForm } from "./AddTodoForm.tsx";
import { LoadFailedPanel } from "./LoadFailedPanel.tsx";
import { TodoList } from "./TodoList.tsx";

export function TodoPage({ api }: { api: TodoApi }) {
  const todos = useTodos(api);
  const { list } = todos;

  return (
    <div className="todo-page">
      {list.status !== "preparing" && <AddTodoForm adding={todos.adding} disabled={list.status !== "ready"} onAdd={todos.add} />}
      {todos.actionError && <ActionErrorBanner message={todos.actionError} onDismiss={todos.dismissError} />}
      {/* Always rendered, so screen readers are already watching it when text arrives. */}
      <p className="visually-hidden" aria-live="polite">
        {todos.announcement}
      </p>
      {list.status === "loading" && <p role="status">Loading todos…</p>}
      {list.status === "preparing" && <PreparingPanel />}
      {list.status === "failed" && <LoadFailedPanel message={list.message} onRetry={todos.reload} />}
      {list.status === "ready" &&
        (list.todos.length === 0 ? (
          <p className="empty">No todos yet — add your first one.</p>
        ) : (
          <TodoList todos={list.todos} busyIds={todos.busyIds} onUpdate={todos.update} onRemove={todos.remove} />
        ))}
    </div>
  );
}

export const PREPARING = "Preparing your list — its own storage is being created; this takes a few seconds.";

/** Shown instead of the todos and the add form while the list's table is being created. */
function PreparingPanel() {
  return (
    <div role="status" aria-live="polite" className="panel preparing">
      <span className="spinner" aria-hidden="true" />
      <p>{PREPARING}</p>
    </div>
  );
}
