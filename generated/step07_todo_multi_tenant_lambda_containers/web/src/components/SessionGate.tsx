// Who may see the todos: nobody until they sign in. Restores a stored session on load, shows
// the sign-in screen without one, and ends the session when the user signs out or the API
// refuses the token, so a todo request is only ever made with a session.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { ApiSession } from "../api.ts";
import { AuthFailure, type AuthClient, type SignedInUser } from "../auth.ts";
import { createListApi } from "../listApi.ts";
import { createUsageApi } from "../usageApi.ts";
import { USAGE_ADDRESS, useUsageAddress } from "../useUsageAddress.ts";
import { AccountBar } from "./AccountBar.tsx";
import { AccountScreens } from "./AccountScreens.tsx";
import { ListsPage } from "./ListsPage.tsx";
import { UsagePage } from "./UsagePage.tsx";

export const SIGNED_OUT_NOTICE = "You have signed out.";
export const SESSION_ENDED_NOTICE = "Your session has expired or was ended. Sign in again to see your todos.";

type Session =
  | { status: "checking" }
  | { status: "checkFailed"; message: string }
  | { status: "signedOut"; notice: string | null }
  | { status: "signedIn"; user: SignedInUser }
  | { status: "signingOut" };

interface Props {
  auth: AuthClient;
  /** Base URL of the todo API, ending in "/". */
  apiUrl: string;
}

export function SessionGate({ auth, apiUrl }: Props) {
  const [session, setSession] = useState<Session>({ status: "checking" });
  const [checkCount, setCheckCount] = useState(0);

  useEffect(() => {
    let current = true;
    setSession({ status: "checking" });
    auth.currentUser().then(
      (user) => current && setSession(user ? { status: "signedIn", user } : { status: "signedOut", notice: null }),
      (error: unknown) => current && setSession({ status: "checkFailed", message: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [auth, checkCount]);

  const signedIn = useCallback((user: SignedInUser) => setSession({ status: "signedIn", user }), []);

  const endSession = useCallback(
    async (notice: string) => {
      setSession({ status: "signingOut" });
      await auth.signOut();
      setSession({ status: "signedOut", notice });
    },
    [auth],
  );

  switch (session.status) {
    case "checking":
    case "signingOut":
      return (
        <main className="page">
          <p role="status">{session.status === "checking" ? "Checking your sign-in…" : "Signing out…"}</p>
        </main>
      );
    case "checkFailed":
      return (
        <main className="page">
          <div role="alert" className="panel panel-error">
            <p>Could not check whether you are signed in: {session.message}</p>
            <button type="button" onClick={() => setCheckCount((n) => n + 1)}>
              Retry
            </button>
          </div>
        </main>
      );
    case "signedOut":
      return <AccountScreens auth={auth} notice={session.notice} onSignedIn={signedIn} />;
    case "signedIn":
      return <SignedInPage auth={auth} apiUrl={apiUrl} user={session.user} onEnd={endSession} />;
  }
}

interface SignedInPageProps extends Props {
  user: SignedInUser;
  /** Ends the session with the notice the sign-in screen shows next. */
  onEnd: (notice: string) => void;
}

function SignedInPage({ auth, apiUrl, user, onEnd }: SignedInPageProps) {
  // One API client per session. Its session ends once, however many requests are refused at
  // the same time, and a refused request never signs out the user of a later session.
  const { api, usage, end } = useMemo(() => {
    let ended = false;
    const end = (notice: string) => {
      if (ended) return;
      ended = true;
      onEnd(notice);
    };
    const session: ApiSession = {
      async idToken() {
        try {
          return await auth.idToken();
        } catch (error) {
          if (error instanceof AuthFailure && error.reason === "sessionExpired") end(SESSION_ENDED_NOTICE);
          throw error;
        }
      },
      onUnauthorized: () => end(SESSION_ENDED_NOTICE),
      async refresh() {
        try {
          return await auth.refreshSession();
        } catch (error) {
          if (error instanceof AuthFailure && error.reason === "sessionExpired") end(SESSION_ENDED_NOTICE);
          throw error;
        }
      },
    };
    return { api: createListApi(apiUrl, session), usage: createUsageApi(apiUrl, session), end };
  }, [auth, apiUrl, onEnd]);

  const address = useUsageAddress();

  // The lists page is left, not hidden, while the usage page is shown: it keeps the open list
  // in the address, which must say "#usage" meanwhile.
  return (
    <>
      <AccountBar email={user.email} onSignOut={() => end(SIGNED_OUT_NOTICE)}>
        {address.onUsage ? (
          <a href={address.listsAddress} onClick={(event) => address.follow(event, address.listsAddress)}>
            Back to lists
          </a>
        ) : (
          <a href={USAGE_ADDRESS} onClick={(event) => address.follow(event, USAGE_ADDRESS)}>
            Usage
          </a>
        )}
      </AccountBar>
      {address.onUsage ? <UsagePage api={usage} /> : <ListsPage api={api} email={user.email} />}
    </>
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
