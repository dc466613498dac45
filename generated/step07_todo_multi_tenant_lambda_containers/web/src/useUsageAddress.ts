// Which signed-in page is shown: the usage page when the address is "#usage", the lists
// otherwise. Kept in the address, so a reload stays on the page and Back returns from it.
import { useCallback, useEffect, useState, type MouseEvent } from "react";

export const USAGE_ADDRESS = "#usage";

export interface UsageAddress {
  onUsage: boolean;
  /** Where "Back to lists" leads: the list open when the usage page was opened, if any. */
  listsAddress: string;
  /** Follows a link to `address` within the app; Ctrl-click and the like still open a new tab. */
  follow(event: MouseEvent<HTMLAnchorElement>, address: string): void;
}

export function useUsageAddress(): UsageAddress {
  const [onUsage, setOnUsage] = useState(isUsageAddress);
  const [listsAddress, setListsAddress] = useState(frontPage);

  useEffect(() => {
    const update = () => setOnUsage(isUsageAddress());
    window.addEventListener("popstate", update);
    window.addEventListener("hashchange", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("hashchange", update);
    };
  }, []);

  const follow = useCallback((event: MouseEvent<HTMLAnchorElement>, address: string) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    // The lists page keeps the open list in the address; remember it to come back to.
    if (address === USAGE_ADDRESS && !isUsageAddress()) setListsAddress(window.location.hash || frontPage());
    window.history.pushState(null, "", address);
    setOnUsage(address === USAGE_ADDRESS);
  }, []);

  return { onUsage, listsAddress, follow };
}

function isUsageAddress(): boolean {
  return window.location.hash === USAGE_ADDRESS;
}

/** The app's address without a hash: the lists page opens the oldest list. */
function frontPage(): string {
  return window.location.pathname + window.location.search;
}
