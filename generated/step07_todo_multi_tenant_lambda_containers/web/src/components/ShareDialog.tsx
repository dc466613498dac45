// The owner's sharing dialog: add a member by the email address they signed up with, see who
// is on the list, and remove members. Members see and change the list's todos; only the owner
// renames, deletes or shares the list.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api.ts";
import type { ListInfo } from "../listApi.ts";
import type { Member, MemberApi } from "../memberApi.ts";

interface Props {
  list: ListInfo;
  members: MemberApi;
  /** The owner's own address, which cannot be added. */
  email: string;
  onClose: () => void;
}

type MembersState = { status: "loading" } | { status: "failed"; message: string } | { status: "ready"; members: Member[] };

/** Good enough to catch a typo; the API has the last word. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function ShareDialog({ list, members: api, email: ownEmail, onClose }: Props) {
  const id = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const [members, setMembers] = useState<MembersState>({ status: "loading" });
  const [loadCount, setLoadCount] = useState(0);
  const [address, setAddress] = useState("");
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");

  // A modal dialog: the page behind it is inert until it closes, and Escape closes it.
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog === null) return;
    if (!dialog.open) dialog.showModal();
    emailRef.current?.focus();
    return () => dialog.close();
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    setMembers({ status: "loading" });
    api.list(controller.signal).then(
      (loaded) => setMembers({ status: "ready", members: loaded }),
      (failure: unknown) => {
        if (!controller.signal.aborted) setMembers({ status: "failed", message: messageOf(failure) });
      },
    );
    return () => controller.abort();
  }, [api, loadCount]);

  const changeMembers = useCallback((change: (members: Member[]) => Member[]) => {
    setMembers((current) => (current.status === "ready" ? { ...current, members: change(current.members) } : current));
  }, []);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (adding) return;
    const wanted = address.trim();
    if (wanted === "") return setError("Enter the email address of the person to share the list with.");
    if (!EMAIL_SHAPE.test(wanted)) return setError(`“${wanted}” is not an email address; check it for typos.`);
    if (wanted.toLowerCase() === ownEmail.trim().toLowerCase()) {
      return setError("That is your own address: you own this list already. Enter the address of someone else.");
    }
    setAdding(true);
    setError(null);
    try {
      const added = await api.add(wanted);
      changeMembers((current) => [...current.filter((member) => member.userId !== added.userId), added]);
      setAddress("");
      setAnnouncement(`Shared “${list.name}” with ${added.email}.`);
    } catch (failure) {
      setError(addFailure(wanted, failure));
    } finally {
      setAdding(false);
    }
  }

  async function remove(member: Member) {
    setRemoving((current) => new Set(current).add(member.userId));
    setError(null);
    try {
      await api.remove(member.userId);
      changeMembers((current) => current.filter((m) => m.userId !== member.userId));
      setAnnouncement(`Removed ${member.email} from “${list.name}”.`);
    } catch (failure) {
      // Removed already (in another tab): the owner's intent is met.
      if (failure instanceof ApiError && failure.status === 404) {
        changeMembers((current) => current.filter((m) => m.userId !== member.userId));
      } else {
        setError(`Could not remove ${member.email}: ${messageOf(failure)}`);
      }
    } finally {
      setRemoving((current) => {
        const next = new Set(current);
        next.delete(member.userId);
        return next;
      });
    }
  }

  return (
    <dialog
      ref={dialogRef}
      className="share-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        // Escape: let React close the dialog, so its state and the page agree.
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={`${id}-title`}>Share “{list.name}”</h2>
      <p>Members see this list's todos and can add, change and delete them. Only you can rename, delete or share the list.</p>
      <form className="add-member-form" aria-label="Add a member" noValidate onSubmit={add}>
        <label htmlFor={`${id}-email`} className="field-label">
          Member's email
        </label>
        <div className="field-row">
          <input
            id={`${id}-email`}
            ref={emailRef}
            type="email"
            autoComplete="off"
            value={address}
            disabled={adding}
            onChange={(event) => setAddress(event.target.value)}
          />
          <button type="submit" disabled={adding}>
            {adding ? "Adding…" : "Add member"}
          </button>
        </div>
      </form>
      {error !== null && (
        <div role="alert" className="panel panel-error">
          <p>{error}</p>
        </div>
      )}
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <h3 id={`${id}-members`}>Members</h3>
      {members.status === "loading" && <p role="status">Loading members…</p>}
      {members.status === "failed" && (
        <div role="alert" className="panel panel-error">
          <p>Could not load the members: {members.message}</p>
          <button type="button" onClick={() => setLoadCount((n) => n + 1)}>
            Retry
          </button>
        </div>
      )}
      {members.status === "ready" && (
        <ul className="member-list" aria-labelledby={`${id}-members`}>
          {members.members.map((member) => (
            <li key={member.userId}>
              <span className="member-email">{member.email}</span>
              <span className="member-role">{member.role === "owner" ? "Owner" : "Member"}</span>
              {member.role === "member" && (
                <button type="button" className="danger" disabled={removing.has(member.userId)} onClick={() => remove(member)}>
                  Remove<span className="visually-hidden"> {member.email}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** What to tell the owner when adding `email` failed. */
function addFailure(email: string, failure: unknown): string {
  if (failure instanceof ApiError) {
    if (failure.status === 404) return `Nobody has signed up with ${email}. Ask them to create an account first, then share the list again.`;
    if (failure.status === 409) return `${email} is a member of this list already.`;
  }
  return `Could not add ${email}: ${messageOf(failure)}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
