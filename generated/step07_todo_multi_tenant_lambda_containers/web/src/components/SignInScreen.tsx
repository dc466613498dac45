// The sign-in screen: email and password, then a new password when the account still has the
// temporary one an administrator gave it. Every failure is said in words the user can act on.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { AUTH_MESSAGES, AuthFailure, type AuthClient, type SignedInUser } from "../auth.ts";

interface Props {
  auth: AuthClient;
  /** Why the user is here (signed out, session ended); null on a first visit. */
  notice: string | null;
  onSignedIn: (user: SignedInUser) => void;
  /** The address to start with, e.g. of an account just confirmed. */
  initialEmail?: string;
  onCreateAccount: () => void;
  /** The account is not confirmed yet: go and enter its code. */
  onConfirmAccount: (email: string, password: string) => void;
}

export function SignInScreen({ auth, notice, onSignedIn, initialEmail = "", onCreateAccount, onConfirmAccount }: Props) {
  const id = useId();
  const [step, setStep] = useState<"credentials" | "newPassword">("credentials");
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [noticeShown, setNoticeShown] = useState(true);
  const [refocus, setRefocus] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const newPasswordRef = useRef<HTMLInputElement>(null);

  // Inputs are disabled during a request, which drops focus: put it back in the password
  // field, selected, so a mistyped password can be typed again at once.
  useEffect(() => {
    if (busy || !refocus) return;
    const input = (step === "credentials" ? passwordRef : newPasswordRef).current;
    input?.focus();
    input?.select();
    setRefocus(false);
  }, [busy, refocus, step]);

  /** Runs one call to the sign-in service, with the busy state and the error it ends with. */
  async function attempt(call: () => Promise<void>) {
    setBusy(true);
    setError(null);
    setNoticeShown(false);
    try {
      await call();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      // The temporary-password exchange timed out: it has to start again from the beginning.
      if (failure instanceof AuthFailure && failure.reason === "sessionExpired") setStep("credentials");
      setRefocus(true);
    } finally {
      setBusy(false);
    }
  }

  async function signIn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (email.trim() === "") return setError("Enter your email address.");
    if (password === "") return setError("Enter your password.");
    await attempt(async () => {
      const result = await auth.signIn(email.trim(), password);
      setPassword("");
      if (result.status === "signedIn") return onSignedIn(result.user);
      setStep("newPassword");
      setRefocus(true);
    });
  }

  async function chooseNewPassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (newPassword === "") return setError("Enter a new password.");
    if (newPassword !== repeated) return setError("The two passwords do not match.");
    await attempt(async () => {
      const result = await auth.confirmNewPassword(newPassword);
      if (result.status === "signedIn") return onSignedIn(result.user);
      throw new AuthFailure("unknown", "Cognito asked for a new password again; try another one.");
    });
  }

  function backToSignIn() {
    setStep("credentials");
    setNewPassword("");
    setRepeated("");
    setError(null);
  }

  const errorPanel = error !== null && (
    <div role="alert" className="panel panel-error">
      <p>{error}</p>
    </div>
  );

  if (step === "newPassword") {
    return (
      <main className="page sign-in">
        <h1>Choose a new password</h1>
        <p>Your account has a temporary password. Choose your own to finish signing in as {email.trim()}.</p>
        <form aria-label="Choose a new password" noValidate onSubmit={chooseNewPassword}>
          <label htmlFor={`${id}-new`} className="field-label">
            New password
          </label>
          <input
            id={`${id}-new`}
            ref={newPasswordRef}
            type="password"
            autoComplete="new-password"
            value={newPassword}
            disabled={busy}
            onChange={(event) => setNewPassword(event.target.value)}
          />
          <label htmlFor={`${id}-repeat`} className="field-label">
            Confirm new password
          </label>
          <input
            id={`${id}-repeat`}
            type="password"
            autoComplete="new-password"
            value={repeated}
            disabled={busy}
            onChange={(event) => setRepeated(event.target.value)}
          />
          {errorPanel}
          <div className="form-actions">
            <button type="submit" disabled={busy}>
              {busy ? "Saving…" : "Set password and sign in"}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={backToSignIn}>
              Back to sign in
            </button>
          </div>
        </form>
      </main>
    );
  }

  return (
    <main className="page sign-in">
      <h1>Sign in</h1>
      {notice !== null && noticeShown && <p role="status">{notice}</p>}
      <form aria-label="Sign in" noValidate onSubmit={signIn}>
        <label htmlFor={`${id}-email`} className="field-label">
          Email
        </label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="username"
          value={email}
          disabled={busy}
          onChange={(event) => setEmail(event.target.value)}
        />
        <label htmlFor={`${id}-password`} className="field-label">
          Password
        </label>
        <input
          id={`${id}-password`}
          ref={passwordRef}
          type="password"
          autoComplete="current-password"
          value={password}
          disabled={busy}
          onChange={(event) => setPassword(event.target.value)}
        />
        {errorPanel}
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
          {error === AUTH_MESSAGES.notConfirmed && (
            <button type="button" className="secondary" onClick={() => onConfirmAccount(email.trim(), password)}>
              Enter confirmation code
            </button>
          )}
        </div>
      </form>
      <p className="switch-screen">
        New here?{" "}
        <button type="button" className="link" disabled={busy} onClick={onCreateAccount}>
          Create an account
        </button>
      </p>
    </main>
  );
}
