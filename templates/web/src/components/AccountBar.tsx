// The header of a signed-in page: who is signed in, {% if s.metering %}the way to the other page, {% endif %}and the way out.
{%- if s.metering %}
import type { ReactNode } from "react";

/** `children`: links to the app's other pages, shown before Sign out. */
{%- endif %}
export function AccountBar({ email, onSignOut{% if s.metering %}, children{% endif %} }: { email: string; onSignOut: () => void{% if s.metering %}; children: ReactNode{% endif %} }) {
  return (
    <header className="account-bar">
      <p>
        Signed in as <strong>{email}</strong>
      </p>
{%- if s.metering %}
      <nav className="account-nav" aria-label="Pages">
        {children}
      </nav>
{%- endif %}
      <button type="button" className="secondary" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
