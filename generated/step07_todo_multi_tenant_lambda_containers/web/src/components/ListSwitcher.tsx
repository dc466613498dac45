// The user's lists as links, the open one marked as the current page; the user's own lists
// apart from those shared with them.
// Each link's address names its list, so a list can be opened in a new tab or bookmarked.
// A list whose table is still being created says so ("Preparing…") until it is ready.
import { useId, type MouseEvent } from "react";
import type { ListInfo } from "../listApi.ts";
import { listAddress } from "../useLists.ts";

interface Props {
  lists: ListInfo[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}

export function ListSwitcher({ lists, selectedId, onSelect }: Props) {
  const groups = [
    { title: "My lists", lists: lists.filter((list) => list.role === "owner") },
    { title: "Shared with me", lists: lists.filter((list) => list.role === "member") },
  ];

  return (
    <nav className="list-switcher" aria-label="Lists">
      {groups.map((group) => (
        <ListGroup key={group.title} title={group.title} lists={group.lists} selectedId={selectedId} onSelect={onSelect} />
      ))}
    </nav>
  );
}

function ListGroup({ title, lists, selectedId, onSelect }: Props & { title: string }) {
  const headingId = useId();

  function open(event: MouseEvent<HTMLAnchorElement>, id: string) {
    // A plain click stays in the app; Ctrl-click and the like still open a new tab.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onSelect(id);
  }

  return (
    <section className="list-group">
      <h2 id={headingId}>{title}</h2>
      {lists.length === 0 ? (
        <p className="empty">None yet.</p>
      ) : (
        <ul aria-labelledby={headingId}>
          {lists.map((list) => (
            <li key={list.id}>
              <a
                href={listAddress(list.id)}
                aria-current={list.id === selectedId ? "page" : undefined}
                onClick={(event) => open(event, list.id)}
              >
                {list.name}
                {list.status === "preparing" && (
                  <>
                    {" "}
                    <span className="badge">Preparing…</span>
                  </>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
