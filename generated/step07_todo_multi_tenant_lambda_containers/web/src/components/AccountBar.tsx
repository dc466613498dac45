// The header of a signed-in page: who is signed in, the way to the other page, and the way out.
import type { ReactNode } from "react";

/** `children`: links to the app's other pages, shown before Sign out. */
export function AccountBar({ email, onSignOut, children }: { email: string; onSignOut: () => void; children: ReactNode }) {
  return (
    <header className="account-bar">
      <p>
        Signed in as <strong>{email}</strong>
      </p>
      <nav className="account-nav" aria-label="Pages">
        {children}
      </nav>
      <button type="button" className="secondary" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
