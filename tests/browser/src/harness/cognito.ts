// The local stack's Cognito (moto) called straight from the test process: to sign users in for
// API checks and to create users the way an administrator would. Unsigned JSON calls, as the
// SPA makes them; moto takes any credentials for the admin actions.
import type { StackInfo } from "./readyFile.ts";

/** The demo user `stepgen dev` created in the step's user pool. */
export function demoUser(stack: StackInfo): { email: string; password: string } {
  const user = stack.user;
  const email = user?.email ?? user?.username;
  if (!user || !email) throw new Error(`stepgen dev ${stack.step} announced no demo user`);
  return { email, password: user.password };
}

export interface Tokens {
  idToken: string;
  accessToken: string;
}

export function cognito(stack: StackInfo) {
  const auth = stack.spaConfig?.auth;
  if (!auth) throw new Error(`${stack.step} has no user pool in its SPA config (is it a step with sign-in?)`);
  const endpoint = auth.endpoint ?? stack.emulator;

  async function call<T>(action: string, body: Record<string, unknown>): Promise<T> {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
        // moto routes by the credential scope; it does not check the signature.
        Authorization: `AWS4-HMAC-SHA256 Credential=local/20250101/${auth!.region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${action}: HTTP ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  return {
    userPoolId: auth.userPoolId,

    /** Signs in with a password, as the local SPA does (USER_PASSWORD_AUTH). */
    async signIn(email: string, password: string): Promise<Tokens> {
      const answer = await call<{ AuthenticationResult?: { IdToken: string; AccessToken: string }; ChallengeName?: string }>(
        "InitiateAuth",
        { AuthFlow: "USER_PASSWORD_AUTH", ClientId: auth.userPoolClientId, AuthParameters: { USERNAME: email, PASSWORD: password } },
      );
      if (!answer.AuthenticationResult) throw new Error(`sign-in of ${email} ended in challenge ${answer.ChallengeName}`);
      return { idToken: answer.AuthenticationResult.IdToken, accessToken: answer.AuthenticationResult.AccessToken };
    },

    /** An administrator invites a user with a temporary password (no email is sent locally). */
    async invite(email: string, temporaryPassword: string): Promise<void> {
      await call("AdminCreateUser", {
        UserPoolId: auth.userPoolId,
        Username: email,
        TemporaryPassword: temporaryPassword,
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: email },
          { Name: "email_verified", Value: "true" },
        ],
      });
    },

    /** A user who signed up and confirmed their address, as step02's sign-up does. */
    async register(email: string, password: string): Promise<void> {
      await call("SignUp", {
        ClientId: auth.userPoolClientId,
        Username: email,
        Password: password,
        UserAttributes: [{ Name: "email", Value: email }],
      });
      await call("AdminConfirmSignUp", { UserPoolId: auth.userPoolId, Username: email });
    },

    /** The user's `sub`, the id the API knows them by. */
    async userId(email: string): Promise<string> {
      const user = await call<{ UserAttributes: { Name: string; Value: string }[] }>("AdminGetUser", {
        UserPoolId: auth.userPoolId,
        Username: email,
      });
      const sub = user.UserAttributes.find((attribute) => attribute.Name === "sub")?.Value;
      if (!sub) throw new Error(`${email} has no sub`);
      return sub;
    },

    /** Removes a user if it exists, so a journey can start from "not invited yet". */
    async removeUser(email: string): Promise<void> {
      try {
        await call("AdminDeleteUser", { UserPoolId: auth.userPoolId, Username: email });
      } catch (error) {
        if (!String(error).includes("UserNotFoundException")) throw error;
      }
    },
  };
}
