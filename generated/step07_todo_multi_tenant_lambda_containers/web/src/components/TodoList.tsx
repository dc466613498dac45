// The list of todos; each row manages its own editing state.
import type { Todo, TodoChanges } from "../api.ts";
import { TodoItem } from "./TodoItem.tsx";

interface Props {
  todos: Todo[];
  busyIds: ReadonlySet<string>;
  onUpdate: (todo: Todo, changes: TodoChanges) => Promise<boolean>;
  onRemove: (todo: Todo) => Promise<boolean>;
}

export function TodoList({ todos, busyIds, onUpdate, onRemove }: Props) {
  const doneCount = todos.filter((todo) => todo.done).length;
  return (
    <section aria-labelledby="todo-list-heading">
      <div className="list-heading">
        <h2 id="todo-list-heading">Your todos</h2>
        <p className="count">{`${doneCount} of ${todos.length} done`}</p>
      </div>
      <ul className="todo-list" aria-labelledby="todo-list-heading">
        {todos.map((todo) => (
          <TodoItem key={todo.id} todo={todo} busy={busyIds.has(todo.id)} onUpdate={onUpdate} onRemove={onRemove} />
        ))}
      </ul>
    </section>
  );
}
