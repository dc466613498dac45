// What a signed-out visitor sees: the sign-in screen, and from it the way to create an account
// and confirm it with the emailed code.
import { useState } from "react";
import type { AuthClient, CodeDestination, SignedInUser } from "../auth.ts";
import { ConfirmSignUpScreen } from "./ConfirmSignUpScreen.tsx";
import { SignInScreen } from "./SignInScreen.tsx";
import { SignUpScreen } from "./SignUpScreen.tsx";

type Screen =
  | { name: "signIn"; email: string; notice: string | null }
  | { name: "signUp" }
  | { name: "confirm"; email: string; password: string | null; sentTo: CodeDestination };

interface Props {
  auth: AuthClient;
  /** Why the visitor is here (signed out, session ended); null on a first visit. */
  notice: string | null;
  onSignedIn: (user: SignedInUser) => void;
}

export function AccountScreens({ auth, notice, onSignedIn }: Props) {
  const [screen, setScreen] = useState<Screen>({ name: "signIn", email: "", notice });
  const signIn = (email: string, why: string | null) => setScreen({ name: "signIn", email, notice: why });
  const confirm = (email: string, password: string | null, sentTo: CodeDestination = null) =>
    setScreen({ name: "confirm", email, password, sentTo });

  switch (screen.name) {
    case "signIn":
      return (
        <SignInScreen
          auth={auth}
          notice={screen.notice}
          onSignedIn={onSignedIn}
          initialEmail={screen.email}
          onCreateAccount={() => setScreen({ name: "signUp" })}
          onConfirmAccount={confirm}
        />
      );
    case "signUp":
      return <SignUpScreen auth={auth} onCodeSent={confirm} onSignIn={signIn} onEnterCode={(email) => confirm(email, null)} />;
    case "confirm":
      return (
        <ConfirmSignUpScreen
          auth={auth}
          email={screen.email}
          password={screen.password}
          sentTo={screen.sentTo}
          onSignedIn={onSignedIn}
          onSignIn={(why) => signIn(screen.email, why)}
        />
      );
  }
}
