// Confirming a new account with the code Cognito emailed, then signing in with the password
// just chosen. A lost or expired code can be sent again.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { AUTH_MESSAGES, AuthFailure, type AuthClient, type CodeDestination, type SignedInUser } from "../auth.ts";

export const CONFIRMED_NOTICE = "Your account is confirmed. Sign in to start.";

interface Props {
  auth: AuthClient;
  email: string;
  /** The password chosen on the sign-up screen, to sign in at once; null when not known. */
  password: string | null;
  /** Where Cognito said it sent the code; null when it did not say. */
  sentTo: CodeDestination;
  onSignedIn: (user: SignedInUser) => void;
  /** Back to the sign-in screen for this address, with why, if there is a reason. */
  onSignIn: (notice: string | null) => void;
}

export function ConfirmSignUpScreen({ auth, email, password, sentTo, onSignedIn, onSignIn }: Props) {
  const id = useId();
  const [code, setCode] = useState("");
  const [destination, setDestination] = useState(sentTo);
  const [busy, setBusy] = useState<"confirming" | "resending" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [resent, setResent] = useState<string | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (busy === null) codeRef.current?.focus();
  }, [busy]);

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy !== null) return;
    // Codes are often pasted with spaces around or inside them.
    const entered = code.replace(/\s+/g, "");
    if (entered === "") return setError("Enter the code from the email.");
    setBusy("confirming");
    setError(null);
    setResent(null);
    try {
      await auth.confirmSignUp(email, entered);
    } catch (failure) {
      if (failure instanceof AuthFailure && failure.reason === "alreadyConfirmed") return onSignIn(AUTH_MESSAGES.alreadyConfirmed);
      setError(messageOf(failure));
      setBusy(null);
      return;
    }
    if (password !== null) {
      try {
        const result = await auth.signIn(email, password);
        if (result.status === "signedIn") return onSignedIn(result.user);
      } catch {
        // The account is confirmed either way; the sign-in screen says what goes wrong next.
      }
    }
    onSignIn(CONFIRMED_NOTICE);
  }

  async function resend() {
    if (busy !== null) return;
    setBusy("resending");
    setError(null);
    setResent(null);
    try {
      const to = await auth.resendSignUpCode(email);
      setDestination(to);
      setCode("");
      setResent(`We sent a new code to ${to ?? email}. Codes from earlier emails no longer work.`);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(null);
    }
  }

  return (
    <main className="page sign-in">
      <h1>Confirm your email</h1>
      <p>
        {destination === null
          ? `Enter the confirmation code we emailed to ${email} when you signed up.`
          : `We emailed a confirmation code to ${destination}. Enter it to finish creating your account.`}
      </p>
      {resent !== null && <p role="status">{resent}</p>}
      <form aria-label="Confirm your email" noValidate onSubmit={confirm}>
        <label htmlFor={`${id}-code`} className="field-label">
          Confirmation code
        </label>
        <input
          id={`${id}-code`}
          ref={codeRef}
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          disabled={busy !== null}
          onChange={(event) => setCode(event.target.value)}
        />
        {error !== null && (
          <div role="alert" className="panel panel-error">
            <p>{error}</p>
          </div>
        )}
        <div className="form-actions">
          <button type="submit" disabled={busy !== null}>
            {busy === "confirming" ? "Confirming…" : "Confirm"}
          </button>
          <button type="button" className="secondary" disabled={busy !== null} onClick={resend}>
            {busy === "resending" ? "Sending…" : "Resend code"}
          </button>
        </div>
      </form>
      <p className="switch-screen">
        <button type="button" className="link" disabled={busy !== null} onClick={() => onSignIn(null)}>
          Back to sign in
        </button>
      </p>
    </main>
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
