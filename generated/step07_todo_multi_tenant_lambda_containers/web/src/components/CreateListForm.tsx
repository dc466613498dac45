// The form that creates a list. Like the todo form, it keeps the typed name when the API
// refuses it, so the user can fix it rather than retype it.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { listNameProblem } from "../listName.ts";
import { TitleField } from "./TitleField.tsx";

interface Props {
  creating: boolean;
  onCreate: (name: string) => Promise<boolean>;
}

export function CreateListForm({ creating, onCreate }: Props) {
  const id = useId();
  const [name, setName] = useState("");
  const [refocus, setRefocus] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const problem = listNameProblem(name);

  // The input is disabled during the request, which drops focus; give it back afterwards.
  useEffect(() => {
    if (refocus && !creating) {
      inputRef.current?.focus();
      setRefocus(false);
    }
  }, [refocus, creating]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (problem !== null || creating) return;
    if (await onCreate(name.trim())) setName("");
    setRefocus(true);
  }

  return (
    <form className="create-list-form" aria-label="Create a list" onSubmit={submit}>
      <TitleField
        id={id}
        label="New list"
        value={name}
        onChange={setName}
        problem={problem}
        disabled={creating}
        placeholder="Groceries, Work…"
        inputRef={inputRef}
      >
        <button type="submit" disabled={creating || problem !== null}>
          {creating ? "Creating…" : "Create list"}
        </button>
      </TitleField>
    </form>
  );
}
