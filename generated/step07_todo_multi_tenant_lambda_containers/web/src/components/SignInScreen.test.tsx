// The sign-in screen: success, every way a sign-in can fail, and the temporary-password step.
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AUTH_MESSAGES, AuthFailure } from "../auth.ts";
import { fakeAuth, type FakeAuthOptions } from "../test/fakeAuth.ts";
import { SignInScreen } from "./SignInScreen.tsx";

function renderScreen(options: FakeAuthOptions = {}, notice: string | null = null) {
  const auth = fakeAuth(options);
  const onSignedIn = vi.fn();
  const user = userEvent.setup();
  render(<SignInScreen auth={auth} notice={notice} onSignedIn={onSignedIn} onCreateAccount={vi.fn()} onConfirmAccount={vi.fn()} />);
  return { auth, onSignedIn, user };
}

const emailInput = () => screen.getByLabelText<HTMLInputElement>("Email");
const passwordInput = () => screen.getByLabelText<HTMLInputElement>("Password");
const signInButton = () => screen.getByRole<HTMLButtonElement>("button", { name: "Sign in" });

async function signIn(user: ReturnType<typeof userEvent.setup>, email: string, password: string) {
  await user.type(emailInput(), email);
  await user.type(passwordInput(), password);
  await user.click(signInButton());
}

describe("signing in", () => {
  it("signs in with the email address and password", async () => {
    const { auth, onSignedIn, user } = renderScreen();

    await signIn(user, " ada@example.test ", "correct horse");

    expect(onSignedIn).toHaveBeenCalledWith({ email: "ada@example.test" });
    expect(auth.calls).toEqual(["signIn ada@example.test"]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("labels its fields for assistive technology and password managers", () => {
    renderScreen();

    expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(emailInput().type).toBe("email");
    expect(emailInput().autocomplete).toBe("username");
    expect(passwordInput().type).toBe("password");
    expect(passwordInput().autocomplete).toBe("current-password");
  });

  it("disables the form while Cognito answers", async () => {
    const { auth, onSignedIn, user } = renderScreen();
    await user.type(emailInput(), "ada@example.test");
    await user.type(passwordInput(), "correct horse");
    const release = auth.pause();

    await user.click(signInButton());

    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Signing in…" }).disabled).toBe(true);
    expect(emailInput().disabled).toBe(true);
    expect(passwordInput().disabled).toBe(true);
    release();
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalled());
  });

  it("asks for both fields before calling Cognito", async () => {
    const { auth, user } = renderScreen();

    await user.click(signInButton());
    expect((await screen.findByRole("alert")).textContent).toBe("Enter your email address.");
    await user.type(emailInput(), "ada@example.test{Enter}");
    expect(screen.getByRole("alert").textContent).toBe("Enter your password.");

    expect(auth.calls).toEqual([]);
  });

  it("shows the notice it was opened with until the user tries again", async () => {
    const { user } = renderScreen({}, "You have signed out.");

    expect(screen.getByRole("status").textContent).toBe("You have signed out.");
    await signIn(user, "ada@example.test", "wrong");
    expect(screen.queryByRole("status")).toBeNull();
  });
});

describe("when signing in fails", () => {
  it("says the email or password is wrong, keeps the email and selects the password to retype", async () => {
    const { onSignedIn, user } = renderScreen();

    await signIn(user, "ada@example.test", "wrong horse");

    expect((await screen.findByRole("alert")).textContent).toBe("Incorrect email or password.");
    expect(emailInput().value).toBe("ada@example.test");
    await vi.waitFor(() => expect(document.activeElement).toBe(passwordInput()));
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it("gives the same answer for an unknown email, so the form does not reveal who has an account", async () => {
    const { user } = renderScreen();

    await signIn(user, "nobody@example.test", "correct horse");

    expect((await screen.findByRole("alert")).textContent).toBe("Incorrect email or password.");
  });

  it("explains an account that is not confirmed yet", async () => {
    const { user } = renderScreen({ accounts: { "ada@example.test": { password: "correct horse", status: "unconfirmed" } } });

    await signIn(user, "ada@example.test", "correct horse");

    expect((await screen.findByRole("alert")).textContent).toBe(AUTH_MESSAGES.notConfirmed);
  });

  it("says when Cognito cannot be reached, and the next attempt can succeed", async () => {
    const { auth, onSignedIn, user } = renderScreen();
    auth.failNext("signIn", new AuthFailure("network", AUTH_MESSAGES.network));

    await signIn(user, "ada@example.test", "correct horse");
    expect((await screen.findByRole("alert")).textContent).toContain("Could not reach the sign-in service");

    await user.click(signInButton());
    expect(onSignedIn).toHaveBeenCalledWith({ email: "ada@example.test" });
  });
});

describe("an account with a temporary password", () => {
  const temporary: FakeAuthOptions = { accounts: { "ada@example.test": { password: "Temp-1234", status: "temporary" } } };

  async function reachNewPasswordForm() {
    const screenParts = renderScreen(temporary);
    await signIn(screenParts.user, "ada@example.test", "Temp-1234");
    await screen.findByRole("heading", { name: "Choose a new password" });
    return screenParts;
  }

  it("asks for a new password, then signs in with it", async () => {
    const { auth, onSignedIn, user } = await reachNewPasswordForm();

    expect(screen.getByLabelText<HTMLInputElement>("New password").autocomplete).toBe("new-password");
    await user.type(screen.getByLabelText("New password"), "My own password 1");
    await user.type(screen.getByLabelText("Confirm new password"), "My own password 1");
    await user.click(screen.getByRole("button", { name: "Set password and sign in" }));

    expect(onSignedIn).toHaveBeenCalledWith({ email: "ada@example.test" });
    expect(auth.calls).toEqual(["signIn ada@example.test", "confirmNewPassword"]);
  });

  it("refuses two different passwords without calling Cognito", async () => {
    const { auth, user } = await reachNewPasswordForm();

    await user.type(screen.getByLabelText("New password"), "My own password 1");
    await user.type(screen.getByLabelText("Confirm new password"), "My own password 2{Enter}");

    expect(screen.getByRole("alert").textContent).toBe("The two passwords do not match.");
    expect(auth.calls).toEqual(["signIn ada@example.test"]);
  });

  it("shows why Cognito rejected the new password", async () => {
    const { onSignedIn, user } = await reachNewPasswordForm();

    await user.type(screen.getByLabelText("New password"), "short");
    await user.type(screen.getByLabelText("Confirm new password"), "short{Enter}");

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Choose another password. Password must have at least 8 characters.",
    );
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it("goes back to the sign-in form", async () => {
    const { user } = await reachNewPasswordForm();

    await user.click(screen.getByRole("button", { name: "Back to sign in" }));

    expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(emailInput().value).toBe("ada@example.test");
  });

  it("starts again from the sign-in form when the exchange has timed out", async () => {
    const { auth, user } = await reachNewPasswordForm();
    auth.failNext("confirmNewPassword", new AuthFailure("sessionExpired", "That took too long. Sign in again."));

    await user.type(screen.getByLabelText("New password"), "My own password 1");
    await user.type(screen.getByLabelText("Confirm new password"), "My own password 1{Enter}");

    expect((await screen.findByRole("alert")).textContent).toBe("That took too long. Sign in again.");
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
  });
});
