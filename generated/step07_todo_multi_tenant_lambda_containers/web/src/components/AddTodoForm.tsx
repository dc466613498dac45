// The form that creates a todo. It keeps the typed title when the API refuses it,
// so the user can fix it rather than retype it.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { titleProblem } from "../todoTitle.ts";
import { TitleField } from "./TitleField.tsx";

interface Props {
  adding: boolean;
  /** True until the list has loaded, so a todo cannot be added to a list not yet shown. */
  disabled: boolean;
  onAdd: (title: string) => Promise<boolean>;
}

export function AddTodoForm({ adding, disabled, onAdd }: Props) {
  const id = useId();
  const [title, setTitle] = useState("");
  const [refocus, setRefocus] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const problem = titleProblem(title);

  // The input is disabled during the request, which drops focus; give it back afterwards
  // so the user can type the next todo straight away.
  useEffect(() => {
    if (refocus && !adding) {
      inputRef.current?.focus();
      setRefocus(false);
    }
  }, [refocus, adding]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (problem !== null || adding || disabled) return;
    if (await onAdd(title.trim())) setTitle("");
    setRefocus(true);
  }

  return (
    <form className="add-form" aria-label="Add a todo" onSubmit={submit}>
      <TitleField
        id={id}
        label="New todo"
        value={title}
        onChange={setTitle}
        problem={problem}
        disabled={disabled || adding}
        placeholder="What needs doing?"
        inputRef={inputRef}
      >
        <button type="submit" disabled={disabled || adding || problem !== null}>
          {adding ? "Adding…" : "Add"}
        </button>
      </TitleField>
    </form>
  );
}
