// What the app needs from a sign-in service, as a small interface: amplifyAuth.ts implements
// it with Amazon Cognito, and component tests pass a fake (src/test/fakeAuth.ts).

export interface SignedInUser {
  /** The address the user signs in with, shown in the header. */
  email: string;
}

export type SignInResult =
  | { status: "signedIn"; user: SignedInUser }
  /** The account has a temporary password (an administrator created it): choose a new one. */
  | { status: "newPasswordRequired" };

export type SignUpResult =
  /** Cognito emailed a code to the address; the account works once the code is entered. */
  | { status: "confirmationRequired"; sentTo: CodeDestination }
  /** The pool confirmed the account at once (none of this course's pools do). */
  | { status: "confirmed" };

/** Where Cognito sent a confirmation code: the address, partly hidden ("a***@e***"), if it said. */
export type CodeDestination = string | null;

export interface AuthClient {
  /** The user of the stored session, refreshed if needed; null when nobody is signed in. */
  currentUser(): Promise<SignedInUser | null>;
  signIn(email: string, password: string): Promise<SignInResult>;
  /** Answers a "newPasswordRequired" sign-in with the password the user chose. */
  confirmNewPassword(newPassword: string): Promise<SignInResult>;
  /** Forgets the session on this device. Never fails: there is always a way out. */
  signOut(): Promise<void>;
  /**
   * The ID token to send to the API, refreshed silently when it is about to expire. Ask for
   * it just before each call rather than keeping it. Rejects with reason "sessionExpired"
   * when the session can no longer be refreshed.
   */
  idToken(): Promise<string>;
  /**
   * Fetches new tokens now, though the stored ones may still be valid: the ID token lists the
   * user's lists (claim `tenants`), written when Cognito issues it, so after the user creates or
   * leaves a list only a new token carries the change. Rejects with an AuthFailure; the session
   * goes on with the tokens it has unless the reason is "sessionExpired".
   */
  refreshSession(): Promise<void>;
  /** Creates an account that signs in with `email` once the code mailed to it is confirmed. */
  signUp(email: string, password: string): Promise<SignUpResult>;
  confirmSignUp(email: string, code: string): Promise<void>;
  /** Mails a new confirmation code, for a lost or expired one. */
  resendSignUpCode(email: string): Promise<CodeDestination>;
}

export type AuthFailureReason =
  | "wrongCredentials"
  | "notConfirmed"
  | "passwordResetRequired"
  | "passwordRejected"
  | "tooManyAttempts"
  | "sessionExpired"
  | "network"
  | "accountExists"
  | "codeMismatch"
  | "codeExpired"
  | "alreadyConfirmed"
  | "invalidInput"
  | "unsupported"
  | "unknown";

/** A failed sign-in service call, with a message that can be shown to the user as is. */
export class AuthFailure extends Error {
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
    this.name = "AuthFailure";
  }
}

/** The message for each reason that needs no detail from the service. */
export const AUTH_MESSAGES = {
  wrongCredentials: "Incorrect email or password.",
  notConfirmed: "This account is not confirmed yet. Enter the confirmation code we emailed you.",
  passwordResetRequired:
    "This account's password must be reset before it can sign in. Ask an administrator to set a new temporary password.",
  tooManyAttempts: "Too many attempts. Wait a minute, then try again.",
  sessionExpired: "Your session has ended. Sign in again.",
  network:
    "Could not reach the sign-in service (Amazon Cognito). Check your connection, and that auth.endpoint in config.json is right when running locally.",
  accountExists: "An account with this email address already exists.",
  codeMismatch: "That code is not right. Check the code in the latest email we sent you, and try again.",
  codeExpired: "That code has expired. Choose “Resend code”, then enter the new code.",
  alreadyConfirmed: "This account is confirmed already. Sign in.",
} as const satisfies Partial<Record<AuthFailureReason, string>>;
