// The header of a signed-in page: who is signed in, and the way out.
export function AccountBar({ email, onSignOut }: { email: string; onSignOut: () => void }) {
  return (
    <header className="account-bar">
      <p>
        Signed in as <strong>{email}</strong>
      </p>
      <button type="button" className="secondary" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
