// The AuthClient backed by Amazon Cognito through Amplify Auth (v6): Amplify keeps the tokens
// in localStorage and refreshes them with the refresh token when they expire. This is the
// only file that imports aws-amplify, so the rest of the app and its tests never load it.
import { Amplify } from "aws-amplify";
import {
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  getCurrentUser,
  resendSignUpCode,
  signIn,
  signOut,
  signUp,
  type SignInOutput,
} from "aws-amplify/auth";
import { AUTH_MESSAGES, AuthFailure, type AuthClient, type SignInResult, type SignedInUser } from "./auth.ts";
import type { AuthConfig } from "./config.ts";

export function createAmplifyAuth(config: AuthConfig): AuthClient {
  Amplify.configure({
    Auth: {
      Cognito: {
        // Amplify reads the region from the pool id ("us-east-1_…"); config.ts checks they agree.
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        // Only a local emulator sets one; without it Amplify calls cognito-idp.<region>.amazonaws.com.
        ...(config.endpoint === undefined ? {} : { userPoolEndpoint: config.endpoint }),
      },
    },
  });

  /**
   * The stored session, its tokens refreshed if they have expired; null when there is none or
   * it cannot be refreshed. Throws only when Cognito cannot be reached (the session may be fine).
   */
  async function storedSession(): Promise<{ idToken: string; user: SignedInUser } | null> {
    try {
      const { tokens } = await fetchAuthSession();
      if (!tokens?.idToken) return null;
      // The address the user signed in with, which Amplify keeps with the tokens. (Not the ID
      // token's email claim: the local emulator puts the username there.)
      const { signInDetails } = await getCurrentUser();
      const email = signInDetails?.loginId ?? tokens.idToken.payload["email"];
      return { idToken: tokens.idToken.toString(), user: { email: typeof email === "string" ? email : "" } };
    } catch (error) {
      const failure = failureFrom(error);
      if (failure.reason === "network" || failure.reason === "tooManyAttempts") throw failure;
      // Amplify keeps the tokens when a refresh fails in a way it does not recognise (the local
      // emulator cannot refresh at all); it would fail again, so drop the session instead.
      await signOut();
      return null;
    }
  }

  async function finish(output: SignInOutput): Promise<SignInResult> {
    const step = output.nextStep.signInStep;
    switch (step) {
      case "DONE": {
        const session = await storedSession();
        if (session === null) throw new AuthFailure("unknown", "Signed in, but Cognito returned no ID token.");
        return { status: "signedIn", user: session.user };
      }
      case "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED":
        return { status: "newPasswordRequired" };
      // Amplify answers these two Cognito errors with a next step rather than an exception.
      case "CONFIRM_SIGN_UP":
        throw new AuthFailure("notConfirmed", AUTH_MESSAGES.notConfirmed);
      case "RESET_PASSWORD":
        throw new AuthFailure("passwordResetRequired", AUTH_MESSAGES.passwordResetRequired);
      default:
        // MFA and the like: this course's user pools do not turn them on.
        throw new AuthFailure("unsupported", `Signing in needs a step this app does not support (${step}).`);
    }
  }

  return {
    async currentUser() {
      return (await storedSession())?.user ?? null;
    },

    async signIn(email, password) {
      const attempt = () => signIn({ username: email, password, options: { authFlowType: config.flow } });
      try {
        let output: SignInOutput;
        try {
          output = await attempt();
        } catch (error) {
          // Tokens left from an earlier session (say, one whose refresh failed offline) make
          // Amplify refuse a new sign-in; the user asked for a fresh one, so drop them.
          if (!(error instanceof Error && error.name === "UserAlreadyAuthenticatedException")) throw error;
          await signOut();
          output = await attempt();
        }
        return await finish(output);
      } catch (error) {
        throw failureFrom(error);
      }
    },

    async confirmNewPassword(newPassword) {
      try {
        return await finish(await confirmSignIn({ challengeResponse: newPassword }));
      } catch (error) {
        throw failureFrom(error);
      }
    },

    // Forgets the tokens here and revokes the refresh token. Amplify swallows a failed
    // revocation; it throws only for hosted-UI (OAuth) sign-out, which this app does not use.
    signOut: () => signOut(),

    async idToken() {
      const session = await storedSession();
      if (session === null) throw new AuthFailure("sessionExpired", AUTH_MESSAGES.sessionExpired);
      return session.idToken;
    },

    async refreshSession() {
      const session = await fetchAuthSession({ forceRefresh: true }).catch((error: unknown) => {
        throw refreshFailure(error);
      });
      // Cognito refused the refresh token, so Amplify dropped the tokens: the session is over.
      if (!session.tokens?.idToken) throw new AuthFailure("sessionExpired", AUTH_MESSAGES.sessionExpired);
    },

    async signUp(email, password) {
      try {
        // The pool signs in by email, so the address is the user name as well as an attribute.
        const { nextStep } = await signUp({ username: email, password, options: { userAttributes: { email } } });
        if (nextStep.signUpStep === "DONE") return { status: "confirmed" };
        return { status: "confirmationRequired", sentTo: nextStep.codeDeliveryDetails?.destination ?? null };
      } catch (error) {
        throw failureFrom(error);
      }
    },

    async confirmSignUp(email, code) {
      try {
        await confirmSignUp({ username: email, confirmationCode: code });
      } catch (error) {
        throw failureFrom(error);
      }
    },

    async resendSignUpCode(email) {
      try {
        return (await resendSignUpCode({ username: email })).destination ?? null;
      } catch (error) {
        throw failureFrom(error);
      }
    },
  };
}

/**
 * Why a forced refresh failed. Amplify keeps the stored tokens unless Cognito refused the
 * refresh token, so, unlike a failed refresh in storedSession, this does not end the session.
 */
function refreshFailure(error: unknown): AuthFailure {
  const failure = failureFrom(error);
  if (failure.reason !== "unknown") return failure;
  return new AuthFailure("unknown", `Cognito did not refresh the session: ${error instanceof Error ? error.message : String(error)}`);
}

/** Turns an Amplify or Cognito error into an AuthFailure whose message the user can act on. */
function failureFrom(error: unknown): AuthFailure {
  if (error instanceof AuthFailure) return error;
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  switch (name) {
    case "NotAuthorizedException":
      // Cognito uses this one exception for several refusals; its message tells them apart.
      if (/attempts exceeded/i.test(message)) return new AuthFailure("tooManyAttempts", AUTH_MESSAGES.tooManyAttempts);
      if (/disabled/i.test(message)) return new AuthFailure("unknown", "This account is disabled. Ask an administrator.");
      if (/session is expired/i.test(message)) {
        return new AuthFailure("sessionExpired", "That took too long. Sign in again with your temporary password.");
      }
      // Confirming an account twice.
      if (/current status is confirmed/i.test(message)) return new AuthFailure("alreadyConfirmed", AUTH_MESSAGES.alreadyConfirmed);
      return new AuthFailure("wrongCredentials", AUTH_MESSAGES.wrongCredentials);
    // Said the same way as a wrong password, so the form does not tell who has an account.
    case "UserNotFoundException":
      return new AuthFailure("wrongCredentials", AUTH_MESSAGES.wrongCredentials);
    case "UserNotConfirmedException":
      return new AuthFailure("notConfirmed", AUTH_MESSAGES.notConfirmed);
    case "PasswordResetRequiredException":
      return new AuthFailure("passwordResetRequired", AUTH_MESSAGES.passwordResetRequired);
    case "InvalidPasswordException":
      return new AuthFailure("passwordRejected", `Choose another password. ${message}`);
    case "UsernameExistsException":
      return new AuthFailure("accountExists", AUTH_MESSAGES.accountExists);
    case "CodeMismatchException":
      return new AuthFailure("codeMismatch", AUTH_MESSAGES.codeMismatch);
    case "ExpiredCodeException":
      return new AuthFailure("codeExpired", AUTH_MESSAGES.codeExpired);
    // A malformed email address, for one: Cognito's message names the field.
    case "InvalidParameterException":
      return new AuthFailure("invalidInput", message);
    case "LimitExceededException":
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
      return new AuthFailure("tooManyAttempts", AUTH_MESSAGES.tooManyAttempts);
    case "NetworkError":
      return new AuthFailure("network", AUTH_MESSAGES.network);
    default:
      return new AuthFailure("unknown", `Signing in failed: ${message}`);
  }
}
