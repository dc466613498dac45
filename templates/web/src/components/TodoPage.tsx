{%- if s.multi_tenant -%}
// The todos of the open list: the add form, the list, and the status and error regions.
{%- else -%}
// The single page of step 00: the add form, the list, and the status and error regions.
{%- endif %}
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
{%- if s.multi_tenant %}
    <div className="todo-page">
{%- else %}
    <main className="page">
      <h1>Todos</h1>
{%- endif %}
{%- if s.silo %}
      {list.status !== "preparing" && <AddTodoForm adding={todos.adding} disabled={list.status !== "ready"} onAdd={todos.add} />}
{%- else %}
      <AddTodoForm adding={todos.adding} disabled={list.status !== "ready"} onAdd={todos.add} />
{%- endif %}
      {todos.actionError && <ActionErrorBanner message={todos.actionError} onDismiss={todos.dismissError} />}
      {/* Always rendered, so screen readers are already watching it when text arrives. */}
      <p className="visually-hidden" aria-live="polite">
        {todos.announcement}
      </p>
      {list.status === "loading" && <p role="status">Loading todos…</p>}
{%- if s.silo %}
      {list.status === "preparing" && <PreparingPanel />}
{%- endif %}
      {list.status === "failed" && <LoadFailedPanel message={list.message} onRetry={todos.reload} />}
      {list.status === "ready" &&
        (list.todos.length === 0 ? (
          <p className="empty">No todos yet — add your first one.</p>
        ) : (
          <TodoList todos={list.todos} busyIds={todos.busyIds} onUpdate={todos.update} onRemove={todos.remove} />
        ))}
    {% if s.multi_tenant %}</div>{% else %}</main>{% endif %}
  );
}
{%- if s.silo %}

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
{%- endif %}
