// The open list's name and what the user may do with it: rename it, or delete it after a
// confirmation; these and sharing are its owner's alone, and a member may leave it instead.
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import type { ListInfo } from "../listApi.ts";
import { listNameProblem } from "../listName.ts";
import type { MemberApi } from "../memberApi.ts";
import { Confirmation } from "./Confirmation.tsx";
import { ShareDialog } from "./ShareDialog.tsx";
import { TitleField } from "./TitleField.tsx";

interface Props {
  list: ListInfo;
  /** A request about the list is in flight; its controls are disabled until it ends. */
  busy: boolean;
  onRename: (name: string) => Promise<boolean>;
  onDelete: () => Promise<boolean>;
  onLeave: () => Promise<boolean>;
  members: MemberApi;
  /** The signed-in user's address. */
  email: string;
}

type Mode = "view" | "renaming" | "confirmingDelete" | "confirmingLeave" | "sharing";

/** The header's buttons, which get focus back when what they opened closes. */
type Button = "rename" | "delete" | "leave" | "share";

export function ListHeader({ list, busy, onRename, onDelete, onLeave, members, email }: Props) {
  const id = useId();
  const [mode, setMode] = useState<Mode>("view");
  const [draft, setDraft] = useState(list.name);
  const [focusTarget, setFocusTarget] = useState<Button | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const buttons: Record<Button, RefObject<HTMLButtonElement | null>> = {
    rename: useRef<HTMLButtonElement>(null),
    delete: useRef<HTMLButtonElement>(null),
    leave: useRef<HTMLButtonElement>(null),
    share: useRef<HTMLButtonElement>(null),
  };

  useEffect(() => {
    if (mode === "renaming") inputRef.current?.select();
  }, [mode]);

  useEffect(() => {
    if (mode !== "view" || busy || focusTarget === null) return;
    buttons[focusTarget].current?.focus();
    setFocusTarget(null);
  }, [mode, busy, focusTarget]);

  /** Back to the header's buttons, focus on `button`. */
  function back(button: Button) {
    setMode("view");
    setFocusTarget(button);
  }

  function startRenaming() {
    setDraft(list.name);
    setMode("renaming");
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (listNameProblem(draft) !== null || busy) return;
    const name = draft.trim();
    if (name === list.name || (await onRename(name))) back("rename");
    else inputRef.current?.focus();
  }

  function cancelOnEscape(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      back("rename");
    }
  }

  if (mode === "renaming") {
    const problem = listNameProblem(draft);
    return (
      <div className="list-header">
        <form className="rename-form" aria-label="Rename the list" onSubmit={save}>
          <TitleField
            id={`${id}-name`}
            label="List name"
            value={draft}
            onChange={setDraft}
            problem={problem}
            disabled={busy}
            inputRef={inputRef}
            onKeyDown={cancelOnEscape}
          >
            <button type="submit" disabled={busy || problem !== null}>
              {busy ? "Saving…" : "Save name"}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => back("rename")}>
              Cancel
            </button>
          </TitleField>
        </form>
      </div>
    );
  }

  const ownerActions = (
    <>
      <button ref={buttons.rename} type="button" className="secondary" disabled={busy} onClick={startRenaming}>
        Rename list
      </button>
      <button ref={buttons.share} type="button" className="secondary" disabled={busy} onClick={() => setMode("sharing")}>
        Share list
      </button>
      <button ref={buttons.delete} type="button" className="danger" disabled={busy} onClick={() => setMode("confirmingDelete")}>
        Delete list
      </button>
    </>
  );

  return (
    <div className="list-header">
      <div className="list-title">
        <h2>{list.name}</h2>
        {list.role === "member" && <p className="list-role">Shared with you: you can change its todos; its owner manages the list.</p>}
      </div>
      {mode === "confirmingDelete" ? (
        <Confirmation
          question={`Delete “${list.name}” and all its todos? This cannot be undone.`}
          confirm="Yes, delete list"
          confirming="Deleting…"
          cancel="Keep list"
          busy={busy}
          onConfirm={async () => (await onDelete()) || back("delete")}
          onCancel={() => back("delete")}
        />
      ) : mode === "confirmingLeave" ? (
        <Confirmation
          question={`Leave “${list.name}”? You will no longer see its todos, unless its owner shares it with you again.`}
          confirm="Yes, leave list"
          confirming="Leaving…"
          cancel="Stay"
          busy={busy}
          onConfirm={async () => (await onLeave()) || back("leave")}
          onCancel={() => back("leave")}
        />
      ) : (
        <div className="list-actions">
          {list.role === "owner" ? (
            ownerActions
          ) : (
            <button ref={buttons.leave} type="button" className="danger" disabled={busy} onClick={() => setMode("confirmingLeave")}>
              Leave list
            </button>
          )}
        </div>
      )}
      {mode === "sharing" && <ShareDialog list={list} members={members} email={email} onClose={() => back("share")} />}
    </div>
  );
}
