// One todo: a checkbox to mark it done, its title, and Edit/Delete; Edit swaps the title
// for an inline form (Enter saves, Escape cancels).
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { Todo, TodoChanges } from "../api.ts";
import { titleProblem } from "../todoTitle.ts";
import { TitleField } from "./TitleField.tsx";

interface Props {
  todo: Todo;
  /** A request for this todo is in flight; its controls are disabled until it ends. */
  busy: boolean;
  onUpdate: (todo: Todo, changes: TodoChanges) => Promise<boolean>;
  onRemove: (todo: Todo) => Promise<boolean>;
}

type FocusTarget = "checkbox" | "edit" | "delete" | "input";

export function TodoItem({ todo, busy, onUpdate, onRemove }: Props) {
  const id = useId();
  /** The title being edited, or null when not editing. */
  const [draft, setDraft] = useState<string | null>(null);
  const [focusTarget, setFocusTarget] = useState<FocusTarget | null>(null);
  const itemRef = useRef<HTMLLIElement>(null);
  const refs = {
    checkbox: useRef<HTMLInputElement>(null),
    edit: useRef<HTMLButtonElement>(null),
    delete: useRef<HTMLButtonElement>(null),
    input: useRef<HTMLInputElement>(null),
  };

  // Disabled controls lose focus and the editor replaces the Edit button, so put focus
  // back where the keyboard user was, unless they have moved on elsewhere.
  useEffect(() => {
    if (busy || focusTarget === null) return;
    const active = document.activeElement;
    if (active === null || active === document.body || itemRef.current?.contains(active)) {
      refs[focusTarget].current?.focus();
    }
    setFocusTarget(null);
  }, [busy, focusTarget]);

  async function toggleDone() {
    await onUpdate(todo, { done: !todo.done });
    setFocusTarget("checkbox");
  }

  function startEditing() {
    setDraft(todo.title);
    setFocusTarget("input");
  }

  function stopEditing() {
    setDraft(null);
    setFocusTarget("edit");
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (draft === null || titleProblem(draft) !== null || busy) return;
    const title = draft.trim();
    if (title === todo.title) return stopEditing();
    if (await onUpdate(todo, { title })) stopEditing();
    else setFocusTarget("input");
  }

  function cancelOnEscape(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      stopEditing();
    }
  }

  async function remove() {
    if (!(await onRemove(todo))) setFocusTarget("delete");
  }

  if (draft !== null) {
    const problem = titleProblem(draft);
    return (
      <li ref={itemRef} className="todo editing" aria-busy={busy}>
        <form className="edit-form" onSubmit={save}>
          <TitleField
            id={`${id}-title`}
            label={`New title for ${todo.title}`}
            hideLabel
            value={draft}
            onChange={setDraft}
            problem={problem}
            disabled={busy}
            inputRef={refs.input}
            onKeyDown={cancelOnEscape}
          >
            <button type="submit" disabled={busy || problem !== null}>
              Save
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={stopEditing}>
              Cancel
            </button>
          </TitleField>
        </form>
      </li>
    );
  }

  return (
    <li ref={itemRef} className={todo.done ? "todo done" : "todo"} aria-busy={busy}>
      <input
        id={`${id}-done`}
        ref={refs.checkbox}
        type="checkbox"
        checked={todo.done}
        disabled={busy}
        onChange={toggleDone}
      />
      <label htmlFor={`${id}-done`} className="todo-title">
        {todo.title}
      </label>
      <div className="todo-actions">
        <button ref={refs.edit} type="button" className="secondary" disabled={busy} onClick={startEditing}>
          Edit<span className="visually-hidden"> {todo.title}</span>
        </button>
        <button ref={refs.delete} type="button" className="danger" disabled={busy} onClick={remove}>
          Delete<span className="visually-hidden"> {todo.title}</span>
        </button>
      </div>
    </li>
  );
}
