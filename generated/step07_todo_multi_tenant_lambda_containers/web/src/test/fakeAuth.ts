// A scripted stand-in for the sign-in service (the AuthClient), so component tests decide who
// has an account, who is signed in, and when the session ends, without Amplify or Cognito.
import type { ApiSession } from "../api.ts";
import { AUTH_MESSAGES, AuthFailure, type AuthClient, type SignInResult } from "../auth.ts";
import type { AuthConfig } from "../config.ts";

export const FAKE_AUTH_CONFIG: AuthConfig = {
  region: "us-east-1",
  userPoolId: "us-east-1_TestPool",
  userPoolClientId: "test-client",
  flow: "USER_PASSWORD_AUTH",
};

/** The ID token of every fake session until a test changes it; the fake API accepts it. */
export const FAKE_ID_TOKEN = "fake-id-token-1";

/** The ID token a forced refresh (refreshSession) hands out; the fake API accepts it too. */
export const FAKE_REFRESHED_ID_TOKEN = "fake-id-token-refreshed";

/** The confirmation code in every email the fake sends. */
export const FAKE_CODE = "123456";

export interface FakeAccount {
  password: string;
  /** "temporary": created by an administrator, a new password is needed at first sign-in. */
  status?: "confirmed" | "unconfirmed" | "temporary";
}

export interface FakeAuthOptions {
  /** Accounts by email; by default ada@example.test with the password "correct horse". */
  accounts?: Record<string, FakeAccount>;
  /** The email of a session stored before the app starts; none by default. */
  signedInAs?: string;
}

type Method = keyof AuthClient;

export interface FakeAuth extends AuthClient {
  /** Each call in order: its name, then the email for signIn. Never a password. */
  readonly calls: string[];
  /** What idToken() answers while signed in; change it to play a silent refresh. */
  token: string;
  /** Make the next call of `method` fail with `failure`, e.g. a network error. */
  failNext(method: Method, failure: AuthFailure): void;
  /** Let the session's refresh token expire: idToken() rejects with "sessionExpired". */
  expireSession(): void;
  /** The accounts by email, as Cognito keeps them. */
  readonly accounts: Readonly<Record<string, FakeAccount>>;
  /** Hold every call until the returned function is called. */
  pause(): () => void;
}

export function fakeAuth(options: FakeAuthOptions = {}): FakeAuth {
  // A copy: choosing a new password changes it, and tests share their options.
  const accounts: Record<string, FakeAccount> = { ...(options.accounts ?? { "ada@example.test": { password: "correct horse" } }) };
  let signedIn: string | null = options.signedInAs ?? null;
  let awaitingNewPassword: string | null = null;
  const failures: Array<{ method: Method; failure: AuthFailure }> = [];
  let gate: Promise<void> | null = null;

  async function enter(method: Method, detail?: string) {
    fake.calls.push(detail === undefined ? method : `${method} ${detail}`);
    if (gate) await gate;
    const index = failures.findIndex((f) => f.method === method);
    if (index >= 0) throw failures.splice(index, 1)[0]!.failure;
  }

  const signedInAs = (email: string): SignInResult => {
    signedIn = email;
    return { status: "signedIn", user: { email } };
  };

  const fake: FakeAuth = {
    calls: [],
    token: FAKE_ID_TOKEN,
    async currentUser() {
      await enter("currentUser");
      return signedIn === null ? null : { email: signedIn };
    },
    async signIn(email, password) {
      await enter("signIn", email);
      const account = accounts[email];
      if (account === undefined || account.password !== password) {
        throw new AuthFailure("wrongCredentials", AUTH_MESSAGES.wrongCredentials);
      }
      if (account.status === "unconfirmed") throw new AuthFailure("notConfirmed", AUTH_MESSAGES.notConfirmed);
      if (account.status === "temporary") {
        awaitingNewPassword = email;
        return { status: "newPasswordRequired" };
      }
      return signedInAs(email);
    },
    async confirmNewPassword(newPassword) {
      await enter("confirmNewPassword");
      const email = awaitingNewPassword;
      if (email === null) throw new AuthFailure("unknown", "Signing in failed: no sign-in is waiting for a new password.");
      if (newPassword.length < 8) {
        throw new AuthFailure("passwordRejected", "Choose another password. Password must have at least 8 characters.");
      }
      accounts[email] = { password: newPassword };
      awaitingNewPassword = null;
      return signedInAs(email);
    },
    async signOut() {
      await enter("signOut");
      signedIn = null;
    },
    async idToken() {
      await enter("idToken");
      if (signedIn === null) throw new AuthFailure("sessionExpired", AUTH_MESSAGES.sessionExpired);
      return fake.token;
    },
    async refreshSession() {
      await enter("refreshSession");
      if (signedIn === null) throw new AuthFailure("sessionExpired", AUTH_MESSAGES.sessionExpired);
      fake.token = FAKE_REFRESHED_ID_TOKEN;
    },
    async signUp(email, password) {
      await enter("signUp", email);
      if (accounts[email] !== undefined) throw new AuthFailure("accountExists", AUTH_MESSAGES.accountExists);
      if (password.length < 12) {
        throw new AuthFailure("passwordRejected", "Choose another password. Password did not conform with policy: Password not long enough");
      }
      accounts[email] = { password, status: "unconfirmed" };
      return { status: "confirmationRequired", sentTo: hidden(email) };
    },
    async confirmSignUp(email, code) {
      await enter("confirmSignUp", email);
      const account = accounts[email];
      // Cognito answers an unknown address as a wrong code, so the form reveals nothing.
      if (account === undefined || code !== FAKE_CODE) throw new AuthFailure("codeMismatch", AUTH_MESSAGES.codeMismatch);
      if (account.status !== "unconfirmed") throw new AuthFailure("alreadyConfirmed", AUTH_MESSAGES.alreadyConfirmed);
      accounts[email] = { password: account.password };
    },
    async resendSignUpCode(email) {
      await enter("resendSignUpCode", email);
      return hidden(email);
    },
    get accounts() {
      return accounts;
    },
    failNext(method, failure) {
      failures.push({ method, failure });
    },
    expireSession() {
      signedIn = null;
    },
    pause() {
      let release = () => {};
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
  };
  return fake;
}

/** An address as Cognito shows where it sent a code: "a***@e***". */
function hidden(email: string): string {
  const [name = "", domain = ""] = email.split("@");
  return `${name.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}

export interface FakeApiSession extends ApiSession {
  /** Make the next refresh fail with `failure`; the token stays as it was. */
  failNextRefresh(failure: AuthFailure): void;
}

/** A session for tests of the API clients and pages alone: the fake token, FAKE_REFRESHED_ID_TOKEN once refreshed. */
export function fakeApiSession(): FakeApiSession {
  let token = FAKE_ID_TOKEN;
  let failure: AuthFailure | null = null;
  return {
    idToken: async () => token,
    onUnauthorized: () => {},
    async refresh() {
      const failing = failure;
      failure = null;
      if (failing !== null) throw failing;
      token = FAKE_REFRESHED_ID_TOKEN;
    },
    failNextRefresh(next) {
      failure = next;
    },
  };
}
