// The Amplify-backed AuthClient against a scripted Cognito: fetch is stubbed to answer
// Cognito's JSON protocol, so these tests see which requests Amplify sends where, and check
// how each of Cognito's answers reaches the screens.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAmplifyAuth } from "./amplifyAuth.ts";
import { AUTH_MESSAGES } from "./auth.ts";
import type { AuthConfig } from "./config.ts";

const LOCAL: AuthConfig = {
  region: "us-east-1",
  userPoolId: "us-east-1_TestPool",
  userPoolClientId: "test-client",
  flow: "USER_PASSWORD_AUTH",
  endpoint: "http://127.0.0.1:4566/",
};

/** An unsigned JWT: Amplify only reads the claims; checking signatures is the API's job. */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "none" })}.${part(claims)}.signature`;
}

/** A sign-in's AuthenticationResult, numbered so a test can tell a refreshed token apart. */
function tokens(serial: number) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: "user-1", iat: now, exp: now + 3600, email: "ada@example.test" };
  return {
    AuthenticationResult: {
      IdToken: jwt({ ...claims, token_use: "id", serial }),
      AccessToken: jwt({ ...claims, token_use: "access", serial }),
      RefreshToken: "refresh-token",
      ExpiresIn: 3600,
      TokenType: "Bearer",
    },
  };
}

const idTokenOf = (answer: ReturnType<typeof tokens>) => answer.AuthenticationResult.IdToken;

interface Answer {
  status?: number;
  /** JSON, or a string sent as is. */
  body: unknown;
}

const refusal = (type: string, message: string): Answer => ({ status: 400, body: { __type: type, message } });

interface CognitoCall {
  url: string;
  operation: string;
  body: Record<string, unknown>;
}

/** Stubs fetch with a Cognito that answers each operation with `answer`; returns the calls. */
function fakeCognito(answer: (operation: string, body: Record<string, unknown>) => Answer | "unreachable"): CognitoCall[] {
  const calls: CognitoCall[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const operation = (request.headers.get("x-amz-target") ?? "").replace("AWSCognitoIdentityProviderService.", "");
    const body = (await request.json()) as Record<string, unknown>;
    calls.push({ url: request.url, operation, body });
    const answered = answer(operation, body);
    if (answered === "unreachable") throw new TypeError("Failed to fetch");
    const text = typeof answered.body === "string" ? answered.body : JSON.stringify(answered.body);
    return new Response(text, { status: answered.status ?? 200, headers: { "Content-Type": "application/x-amz-json-1.1" } });
  };
  vi.stubGlobal("fetch", vi.fn(fetch));
  return calls;
}

/** Signs in as ada@example.test, then lets `next` answer every later request. */
async function signedIn(next: (operation: string, body: Record<string, unknown>) => Answer | "unreachable") {
  let signingIn = true;
  const first = tokens(1);
  const calls = fakeCognito((operation, body) => (signingIn ? { body: first } : next(operation, body)));
  const auth = createAmplifyAuth(LOCAL);
  await auth.signIn("ada@example.test", "correct horse");
  signingIn = false;
  calls.length = 0;
  return { auth, calls };
}

beforeEach(() => {
  localStorage.clear();
  // Amplify warns about every custom endpoint; the emulator's is intended.
  vi.spyOn(console, "warn").mockImplementation(() => {});
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("signing in", () => {
  it("uses the configured flow at the configured endpoint, and keeps the session", async () => {
    const first = tokens(1);
    const calls = fakeCognito(() => ({ body: first }));
    const auth = createAmplifyAuth(LOCAL);

    expect(await auth.signIn("ada@example.test", "correct horse")).toEqual({
      status: "signedIn",
      user: { email: "ada@example.test" },
    });

    expect(calls).toEqual([
      {
        url: "http://127.0.0.1:4566/",
        operation: "InitiateAuth",
        body: expect.objectContaining({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: "test-client",
          AuthParameters: { USERNAME: "ada@example.test", PASSWORD: "correct horse" },
        }),
      },
    ]);
    expect(await auth.currentUser()).toEqual({ email: "ada@example.test" });
    expect(await auth.idToken()).toBe(idTokenOf(first));
  });

  it("uses SRP at AWS's own endpoint when deployed: the password is never sent", async () => {
    const calls = fakeCognito(() => refusal("NotAuthorizedException", "Incorrect username or password."));
    const { endpoint: _, ...deployed } = LOCAL;
    const auth = createAmplifyAuth({ ...deployed, flow: "USER_SRP_AUTH" });

    await expect(auth.signIn("ada@example.test", "correct horse")).rejects.toMatchObject({ reason: "wrongCredentials" });

    expect(calls[0]?.url).toBe("https://cognito-idp.us-east-1.amazonaws.com/");
    expect(calls[0]?.body).toMatchObject({ AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "ada@example.test" } });
    expect(JSON.stringify(calls)).not.toContain("correct horse");
  });

  it.each([
    ["NotAuthorizedException", "Incorrect username or password.", "wrongCredentials", AUTH_MESSAGES.wrongCredentials],
    ["UserNotFoundException", "User does not exist.", "wrongCredentials", AUTH_MESSAGES.wrongCredentials],
    ["UserNotConfirmedException", "User is not confirmed.", "notConfirmed", AUTH_MESSAGES.notConfirmed],
    ["PasswordResetRequiredException", "Password reset required.", "passwordResetRequired", AUTH_MESSAGES.passwordResetRequired],
    ["NotAuthorizedException", "Password attempts exceeded", "tooManyAttempts", AUTH_MESSAGES.tooManyAttempts],
    ["TooManyRequestsException", "Too many requests", "tooManyAttempts", AUTH_MESSAGES.tooManyAttempts],
  ])("turns %s (%s) into %s", async (type, message, reason, shown) => {
    fakeCognito(() => refusal(type, message));
    const auth = createAmplifyAuth(LOCAL);

    await expect(auth.signIn("ada@example.test", "wrong")).rejects.toMatchObject({ reason, message: shown });
    expect(await auth.currentUser()).toBeNull();
  });

  it("says when Cognito cannot be reached", async () => {
    fakeCognito(() => "unreachable");
    const auth = createAmplifyAuth(LOCAL);

    await expect(auth.signIn("ada@example.test", "correct horse")).rejects.toMatchObject({
      reason: "network",
      message: AUTH_MESSAGES.network,
    });
  });

  it("replaces the tokens of an earlier session instead of refusing", async () => {
    const calls = fakeCognito(() => ({ body: tokens(1) }));
    const auth = createAmplifyAuth(LOCAL);
    await auth.signIn("ada@example.test", "correct horse");

    expect(await auth.signIn("ada@example.test", "correct horse")).toMatchObject({ status: "signedIn" });
    expect(calls.filter((call) => call.operation === "InitiateAuth")).toHaveLength(2);
  });
});

describe("an account with a temporary password", () => {
  const challenge: Answer = {
    body: {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: "challenge-session",
      ChallengeParameters: { USER_ID_FOR_SRP: "user-1", requiredAttributes: "[]", userAttributes: "{}" },
    },
  };

  it("asks for a new password, sends it with the challenge's session, and signs in", async () => {
    const first = tokens(1);
    const calls = fakeCognito((operation) => (operation === "InitiateAuth" ? challenge : { body: first }));
    const auth = createAmplifyAuth(LOCAL);

    expect(await auth.signIn("ada@example.test", "Temp-1234")).toEqual({ status: "newPasswordRequired" });
    expect(await auth.confirmNewPassword("My own password 1")).toEqual({
      status: "signedIn",
      user: { email: "ada@example.test" },
    });

    expect(calls[1]).toMatchObject({
      operation: "RespondToAuthChallenge",
      body: {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: "challenge-session",
        ChallengeResponses: { NEW_PASSWORD: "My own password 1" },
      },
    });
  });

  it("passes on why Cognito rejected the new password", async () => {
    fakeCognito((operation) =>
      operation === "InitiateAuth"
        ? challenge
        : refusal("InvalidPasswordException", "Password did not conform with policy: Password not long enough"),
    );
    const auth = createAmplifyAuth(LOCAL);
    await auth.signIn("ada@example.test", "Temp-1234");

    await expect(auth.confirmNewPassword("short")).rejects.toMatchObject({
      reason: "passwordRejected",
      message: "Choose another password. Password did not conform with policy: Password not long enough",
    });
  });
});

describe("the session", () => {
  it("refreshes an expired ID token silently before handing it out", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    let refreshed = tokens(2);
    const { auth, calls } = await signedIn(() => ({ body: refreshed }));

    vi.setSystemTime(Date.now() + 2 * 3600 * 1000);
    refreshed = tokens(2);

    expect(await auth.idToken()).toBe(idTokenOf(refreshed));
    expect(calls).toMatchObject([{ operation: "GetTokensFromRefreshToken", body: { RefreshToken: "refresh-token" } }]);
  });

  it("ends when Cognito refuses the refresh token", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { auth } = await signedIn(() => refusal("NotAuthorizedException", "Refresh Token has been revoked"));

    vi.setSystemTime(Date.now() + 2 * 3600 * 1000);

    await expect(auth.idToken()).rejects.toMatchObject({ reason: "sessionExpired", message: AUTH_MESSAGES.sessionExpired });
    expect(await auth.currentUser()).toBeNull();
  });

  it("ends when the refresh fails in a way Amplify does not know, as with the local emulator", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { auth, calls } = await signedIn(() => ({ status: 500, body: "<!doctype html><title>500 Internal Server Error</title>" }));

    vi.setSystemTime(Date.now() + 2 * 3600 * 1000);

    await expect(auth.idToken()).rejects.toMatchObject({ reason: "sessionExpired" });
    calls.length = 0;
    expect(await auth.currentUser()).toBeNull();
    expect(calls).toEqual([]);
  });

  it("survives a refresh that cannot reach Cognito", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    let refreshed: ReturnType<typeof tokens> | null = null;
    const { auth } = await signedIn(() => (refreshed ? { body: refreshed } : "unreachable"));

    vi.setSystemTime(Date.now() + 2 * 3600 * 1000);

    await expect(auth.idToken()).rejects.toMatchObject({ reason: "network" });
    refreshed = tokens(2);
    expect(await auth.idToken()).toBe(idTokenOf(refreshed));
  });

  it("is forgotten on sign-out", async () => {
    const { auth } = await signedIn(() => ({ body: {} }));

    await auth.signOut();

    expect(await auth.currentUser()).toBeNull();
    await expect(auth.idToken()).rejects.toMatchObject({ reason: "sessionExpired" });
  });
});

describe("a forced refresh", () => {
  it("fetches new tokens though the stored ones are still valid, and hands out the new ID token", async () => {
    const refreshed = tokens(2);
    const { auth, calls } = await signedIn(() => ({ body: refreshed }));

    await auth.refreshSession();

    expect(calls).toMatchObject([{ operation: "GetTokensFromRefreshToken", body: { RefreshToken: "refresh-token" } }]);
    expect(await auth.idToken()).toBe(idTokenOf(refreshed));
    expect(calls).toHaveLength(1);
  });

  it("keeps the session and its tokens when Cognito cannot be reached", async () => {
    const { auth } = await signedIn(() => "unreachable");
    const first = await auth.idToken();

    await expect(auth.refreshSession()).rejects.toMatchObject({ reason: "network", message: AUTH_MESSAGES.network });

    expect(await auth.idToken()).toBe(first);
    expect(await auth.currentUser()).toEqual({ email: "ada@example.test" });
  });

  it("keeps the session when the refresh fails in a way Amplify does not know, as with the local emulator", async () => {
    const { auth } = await signedIn(() => ({ status: 500, body: "<!doctype html><title>500 Internal Server Error</title>" }));
    const first = await auth.idToken();

    const failure = auth.refreshSession();

    await expect(failure).rejects.toMatchObject({ reason: "unknown" });
    await expect(failure).rejects.toThrow(/^Cognito did not refresh the session: /);
    expect(await auth.idToken()).toBe(first);
  });

  it("ends the session when Cognito refuses the refresh token", async () => {
    const { auth } = await signedIn(() => refusal("NotAuthorizedException", "Refresh Token has been revoked"));

    await expect(auth.refreshSession()).rejects.toMatchObject({ reason: "sessionExpired", message: AUTH_MESSAGES.sessionExpired });

    expect(await auth.currentUser()).toBeNull();
  });
});

describe("signing up", () => {
  const delivery = { Destination: "a***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" };

  it("creates the account with the address as user name and attribute, and says where the code went", async () => {
    const calls = fakeCognito(() => ({ body: { UserConfirmed: false, UserSub: "user-1", CodeDeliveryDetails: delivery } }));
    const auth = createAmplifyAuth(LOCAL);

    expect(await auth.signUp("ada@example.test", "Correct-horse-1")).toEqual({ status: "confirmationRequired", sentTo: "a***@e***" });

    expect(calls).toMatchObject([
      {
        url: "http://127.0.0.1:4566/",
        operation: "SignUp",
        body: {
          ClientId: "test-client",
          Username: "ada@example.test",
          Password: "Correct-horse-1",
          UserAttributes: [{ Name: "email", Value: "ada@example.test" }],
        },
      },
    ]);
  });

  it("confirms the account with the code, and sends a new code on request", async () => {
    const calls = fakeCognito((operation) => ({ body: operation === "ResendConfirmationCode" ? { CodeDeliveryDetails: delivery } : {} }));
    const auth = createAmplifyAuth(LOCAL);

    await auth.confirmSignUp("ada@example.test", "123456");
    expect(await auth.resendSignUpCode("ada@example.test")).toBe("a***@e***");

    expect(calls).toMatchObject([
      { operation: "ConfirmSignUp", body: { ClientId: "test-client", Username: "ada@example.test", ConfirmationCode: "123456" } },
      { operation: "ResendConfirmationCode", body: { ClientId: "test-client", Username: "ada@example.test" } },
    ]);
  });

  it.each([
    ["signUp", "UsernameExistsException", "User already exists", "accountExists", AUTH_MESSAGES.accountExists],
    ["signUp", "InvalidPasswordException", "Password did not conform with policy: Password not long enough", "passwordRejected",
      "Choose another password. Password did not conform with policy: Password not long enough"],
    ["signUp", "InvalidParameterException", "Invalid email address format.", "invalidInput", "Invalid email address format."],
    ["confirmSignUp", "CodeMismatchException", "Invalid verification code provided, please try again.", "codeMismatch", AUTH_MESSAGES.codeMismatch],
    ["confirmSignUp", "ExpiredCodeException", "Invalid code provided, please request a code again.", "codeExpired", AUTH_MESSAGES.codeExpired],
    ["confirmSignUp", "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED", "alreadyConfirmed",
      AUTH_MESSAGES.alreadyConfirmed],
    ["resendSignUpCode", "LimitExceededException", "Attempt limit exceeded, please try after some time.", "tooManyAttempts",
      AUTH_MESSAGES.tooManyAttempts],
  ] as const)("%s: turns %s into %s", async (method, type, message, reason, shown) => {
    fakeCognito(() => refusal(type, message));
    const auth = createAmplifyAuth(LOCAL);

    const call =
      method === "signUp"
        ? auth.signUp("ada@example.test", "Correct-horse-1")
        : method === "confirmSignUp"
          ? auth.confirmSignUp("ada@example.test", "123456")
          : auth.resendSignUpCode("ada@example.test");
    await expect(call).rejects.toMatchObject({ reason, message: shown });
  });
});
