// The user's lists, which one is open, and the actions on them. The open list's id is kept in
// the address ("#/lists/<id>"), so a reload, a bookmark and the browser's Back button return to
// it. Like the todos, every change waits for the API.
import { useCallback, useEffect, useState } from "react";
import { ApiError } from "./api.ts";
import type { ListApi, ListInfo } from "./listApi.ts";

export type ListsState =
  | { status: "loading" }
  | { status: "failed"; message: string }
  | { status: "ready"; lists: ListInfo[] };

export interface ListActions {
  lists: ListsState;
  /** The open list; null while loading, or when none is chosen. */
  selected: ListInfo | null;
  /** True while a new list is being created. */
  creating: boolean;
  /** True while the open list is being renamed, deleted or left. */
  busy: boolean;
  /** The last failed action, or why a list went away; shown above the page. */
  message: string | null;
  /** A short sentence for screen readers after each successful change. */
  announcement: string;
  reload(): void;
  dismissMessage(): void;
  select(id: string): void;
  /** Each action resolves to true on success, so forms know whether to reset. */
  create(name: string): Promise<boolean>;
  rename(list: ListInfo, name: string): Promise<boolean>;
  remove(list: ListInfo): Promise<boolean>;
  leave(list: ListInfo): Promise<boolean>;
  /**
   * The API answered 404 for `list`: it was deleted, or the user no longer has access.
   * Back to the lists.
   */
  gone(list: ListInfo): void;
  /** The API answered for `list`, which was being prepared: its table is ready now. */
  ready(list: ListInfo): void;
}

export const SESSION_NOT_REFRESHED = "Your change is saved, but your session could not be refreshed to include it; the app keeps working.";

export const NOT_AVAILABLE = "is not available any more: it was deleted, or you no longer have access to it.";

export function useLists(api: ListApi, email: string): ListActions {
  const [lists, setLists] = useState<ListsState>({ status: "loading" });
  const [loadCount, setLoadCount] = useState(0);
  const [selectedId, setSelectedId] = useState(listIdInAddress);
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");

  /** Opens list `id` (none when null) and records it in the address. */
  const open = useCallback((id: string | null, history: "push" | "replace") => {
    setSelectedId(id);
    const address = id === null ? window.location.pathname + window.location.search : listAddress(id);
    if (history === "push") window.history.pushState(null, "", address);
    else window.history.replaceState(null, "", address);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    setLists({ status: "loading" });
    api.lists(controller.signal).then(
      (loaded) => {
        setLists({ status: "ready", lists: loaded });
        const wanted = listIdInAddress();
        if (wanted === null) {
          // A first visit: open the oldest list, if there is one.
          if (loaded[0] !== undefined) open(loaded[0].id, "replace");
        } else if (!loaded.some((list) => list.id === wanted)) {
          setMessage(`The list in the address ${NOT_AVAILABLE}`);
          open(null, "replace");
        }
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setLists({ status: "failed", message: messageOf(error) });
      },
    );
    return () => controller.abort();
  }, [api, loadCount, open]);

  // Back and Forward move between lists.
  useEffect(() => {
    const follow = () => setSelectedId(listIdInAddress());
    window.addEventListener("popstate", follow);
    window.addEventListener("hashchange", follow);
    return () => {
      window.removeEventListener("popstate", follow);
      window.removeEventListener("hashchange", follow);
    };
  }, []);

  /** Drops `list` from the page and goes back to the lists. */
  const forget = useCallback(
    (list: ListInfo) => {
      setLists((current) =>
        current.status === "ready" ? { ...current, lists: current.lists.filter((l) => l.id !== list.id) } : current,
      );
      if (listIdInAddress() === list.id) open(null, "replace");
    },
    [open],
  );

  const create = useCallback(
    async (name: string) => {
      setCreating(true);
      setMessage(null);
      try {
        const created = await api.createList(name);
        // Before the new list is opened, so that its first request carries it in the token.
        const notice = await refreshAfterChange(api);
        setLists((current) => (current.status === "ready" ? { ...current, lists: [...current.lists, created] } : current));
        open(created.id, "push");
        setAnnouncement(`Created the list “${created.name}”.`);
        if (notice !== null) setMessage(notice);
        return true;
      } catch (error) {
        setMessage(`Could not create the list: ${messageOf(error)}`);
        return false;
      } finally {
        setCreating(false);
      }
    },
    [api, open],
  );

  const rename = useCallback(
    async (list: ListInfo, name: string) => {
      setBusy(true);
      setMessage(null);
      try {
        const renamed = await api.renameList(list.id, name);
        setLists((current) =>
          current.status === "ready"
            ? { ...current, lists: current.lists.map((l) => (l.id === renamed.id ? renamed : l)) }
            : current,
        );
        setAnnouncement(`Renamed the list to “${renamed.name}”.`);
        return true;
      } catch (error) {
        if (isNotFound(error)) {
          forget(list);
          setMessage(`“${list.name}” ${NOT_AVAILABLE}`);
        } else {
          setMessage(`Could not rename “${list.name}”: ${messageOf(error)}`);
        }
        return false;
      } finally {
        setBusy(false);
      }
    },
    [api, forget],
  );

  const remove = useCallback(
    async (list: ListInfo) => {
      setBusy(true);
      setMessage(null);
      try {
        await api.deleteList(list.id);
      } catch (error) {
        // Already gone (deleted in another tab): the user's intent is met.
        if (!isNotFound(error)) {
          setMessage(`Could not delete “${list.name}”: ${messageOf(error)}`);
          setBusy(false);
          return false;
        }
      }
      forget(list);
      setAnnouncement(`Deleted the list “${list.name}”.`);
      setBusy(false);
      return true;
    },
    [api, forget],
  );

  const leave = useCallback(
    async (list: ListInfo) => {
      setBusy(true);
      setMessage(null);
      try {
        // A member leaves by removing themselves, found by the address they signed in with.
        const members = api.members(list.id);
        const me = (await members.list()).find((member) => sameAddress(member.email, email));
        if (me === undefined) throw new Error(`${email} is not among its members.`);
        await members.remove(me.userId);
      } catch (error) {
        // Removed already, or the list was deleted: either way the user is off the list.
        if (!isNotFound(error)) {
          setMessage(`Could not leave “${list.name}”: ${messageOf(error)}`);
          setBusy(false);
          return false;
        }
      }
      const notice = await refreshAfterChange(api);
      forget(list);
      setAnnouncement(`You left the list “${list.name}”.`);
      if (notice !== null) setMessage(notice);
      setBusy(false);
      return true;
    },
    [api, email, forget],
  );

  const gone = useCallback(
    (list: ListInfo) => {
      forget(list);
      setMessage(`“${list.name}” ${NOT_AVAILABLE}`);
    },
    [forget],
  );

  const ready = useCallback((list: ListInfo) => {
    setLists((current) => {
      if (current.status !== "ready" || !current.lists.some((l) => l.id === list.id && l.status === "preparing")) return current;
      return { ...current, lists: current.lists.map((l) => (l.id === list.id ? withoutStatus(l) : l)) };
    });
  }, []);

  const selected = lists.status === "ready" ? (lists.lists.find((list) => list.id === selectedId) ?? null) : null;

  return {
    lists,
    selected,
    creating,
    busy,
    message,
    announcement,
    reload: useCallback(() => setLoadCount((n) => n + 1), []),
    dismissMessage: useCallback(() => setMessage(null), []),
    select: useCallback(
      (id: string) => {
        setMessage(null);
        open(id, "push");
      },
      [open],
    ),
    create,
    rename,
    remove,
    leave,
    gone,
    ready,
  };
}

const LIST_HASH = "#/lists/";

/** The address of list `id` within the app. */
export function listAddress(id: string): string {
  return `${LIST_HASH}${encodeURIComponent(id)}`;
}

/** The id of the list named in the address ("#/lists/<id>"), or null. */
function listIdInAddress(): string | null {
  const { hash } = window.location;
  if (!hash.startsWith(LIST_HASH) || hash.length === LIST_HASH.length) return null;
  try {
    return decodeURIComponent(hash.slice(LIST_HASH.length));
  } catch {
    return null;
  }
}

/**
 * Refreshes the session after the user's lists changed; resolves to a notice when that failed.
 * A failure loses nothing: the API looks the user's lists up in the table when the token's
 * `tenants` claim lacks one, and the next silent refresh brings the claim up to date.
 */
async function refreshAfterChange(api: ListApi): Promise<string | null> {
  try {
    await api.refreshSession();
    return null;
  } catch (error) {
    return `${SESSION_NOT_REFRESHED} ${messageOf(error)}`;
  }
}

/** `list` as it is once its table is ready: without a status. */
function withoutStatus(list: ListInfo): ListInfo {
  const copy = { ...list };
  delete copy.status;
  return copy;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** Email addresses are compared as Cognito does for sign-in: without regard to case. */
function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
