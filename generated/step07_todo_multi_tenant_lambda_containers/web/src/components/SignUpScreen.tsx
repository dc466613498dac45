// Creating an account: an email address and a password the user pool accepts. The form shows
// the pool's password policy and checks it while the user types, so Cognito rarely has to
// refuse one; then Cognito emails a code that confirms the address.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { AuthFailure, type AuthClient, type CodeDestination } from "../auth.ts";
import { PASSWORD_RULES, passwordProblem } from "../passwordPolicy.ts";

interface Props {
  auth: AuthClient;
  /** The account exists; Cognito emailed the code that confirms it. */
  onCodeSent: (email: string, password: string, sentTo: CodeDestination) => void;
  /** Back to the sign-in screen, with the address typed so far and why, if there is a reason. */
  onSignIn: (email: string, notice: string | null) => void;
  /** The account exists already but may not be confirmed: go and enter its code. */
  onEnterCode: (email: string) => void;
}

/** Good enough to catch a typo; Cognito has the last word. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function SignUpScreen({ auth, onCodeSent, onSignIn, onEnterCode }: Props) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; accountExists: boolean } | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);

  useEffect(() => emailRef.current?.focus(), []);

  const fail = (message: string, accountExists = false) => setError({ message, accountExists });

  async function signUp(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const address = email.trim();
    if (address === "") return fail("Enter your email address.");
    if (!EMAIL_SHAPE.test(address)) return fail(`“${address}” is not an email address; check it for typos.`);
    const weakness = passwordProblem(password);
    if (weakness !== null) return fail(weakness);
    if (password !== repeated) return fail("The two passwords do not match.");
    setBusy(true);
    setError(null);
    try {
      const result = await auth.signUp(address, password);
      if (result.status === "confirmed") onSignIn(address, "Your account is ready. Sign in.");
      else onCodeSent(address, password, result.sentTo);
    } catch (failure) {
      fail(failure instanceof Error ? failure.message : String(failure), failure instanceof AuthFailure && failure.reason === "accountExists");
      setBusy(false);
    }
  }

  return (
    <main className="page sign-in">
      <h1>Create an account</h1>
      <form aria-label="Create an account" noValidate onSubmit={signUp}>
        <label htmlFor={`${id}-email`} className="field-label">
          Email
        </label>
        <input
          id={`${id}-email`}
          ref={emailRef}
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
          type="password"
          autoComplete="new-password"
          aria-describedby={`${id}-rules`}
          value={password}
          disabled={busy}
          onChange={(event) => setPassword(event.target.value)}
        />
        <div id={`${id}-rules`} className="password-rules">
          <p>Your password needs:</p>
          <ul>
            {PASSWORD_RULES.map((rule) => {
              const met = rule.met(password);
              return (
                <li key={rule.needs} className={met ? "met" : undefined}>
                  {rule.needs}
                  <span className="visually-hidden">{met ? " (done)" : " (not yet)"}</span>
                </li>
              );
            })}
          </ul>
        </div>
        <label htmlFor={`${id}-repeat`} className="field-label">
          Confirm password
        </label>
        <input
          id={`${id}-repeat`}
          type="password"
          autoComplete="new-password"
          value={repeated}
          disabled={busy}
          onChange={(event) => setRepeated(event.target.value)}
        />
        {error !== null && (
          <div role="alert" className="panel panel-error">
            <p>{error.message}</p>
            {error.accountExists && (
              <>
                <p>Sign in with it, or enter its confirmation code if you have not confirmed it yet.</p>
                <button type="button" onClick={() => onEnterCode(email.trim())}>
                  Enter confirmation code
                </button>
              </>
            )}
          </div>
        )}
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Creating account…" : "Create account"}
          </button>
        </div>
      </form>
      <p className="switch-screen">
        Have an account?{" "}
        <button type="button" className="link" disabled={busy} onClick={() => onSignIn(email.trim(), null)}>
          Back to sign in
        </button>
      </p>
    </main>
  );
}
