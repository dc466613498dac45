// Signing up: the password policy, the confirmation code (wrong, expired, sent again), the
// errors users meet, and the way between the sign-in, sign-up and confirmation screens.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AUTH_MESSAGES, AuthFailure } from "../auth.ts";
import { FAKE_CODE, fakeAuth, type FakeAuthOptions } from "../test/fakeAuth.ts";
import { AccountScreens } from "./AccountScreens.tsx";
import { CONFIRMED_NOTICE } from "./ConfirmSignUpScreen.tsx";

const STRONG = "Correct-horse-1";

function renderScreens(options: FakeAuthOptions = {}) {
  const auth = fakeAuth(options);
  const onSignedIn = vi.fn();
  const user = userEvent.setup();
  render(<AccountScreens auth={auth} notice={null} onSignedIn={onSignedIn} />);
  return { auth, onSignedIn, user };
}

type User = ReturnType<typeof userEvent.setup>;

const heading = () => screen.getByRole("heading", { level: 1 }).textContent;
const emailInput = () => screen.getByLabelText<HTMLInputElement>("Email");

async function fillSignUp(user: User, email: string, password: string, repeated = password) {
  await user.click(screen.getByRole("button", { name: "Create an account" }));
  await user.type(emailInput(), email);
  await user.type(screen.getByLabelText("Password"), password);
  await user.type(screen.getByLabelText("Confirm password"), repeated);
  await user.click(screen.getByRole("button", { name: "Create account" }));
}

async function enterCode(user: User, code: string) {
  const input = await screen.findByLabelText<HTMLInputElement>("Confirmation code");
  await user.clear(input);
  await user.type(input, code);
  await user.click(screen.getByRole("button", { name: "Confirm" }));
}

describe("creating an account", () => {
  it("signs up, confirms the address with the emailed code, and signs in", async () => {
    const { auth, onSignedIn, user } = renderScreens({ accounts: {} });

    await fillSignUp(user, " grace@example.test ", STRONG);

    expect(await screen.findByRole("heading", { name: "Confirm your email" })).toBeTruthy();
    expect(screen.getByText("We emailed a confirmation code to g***@e***. Enter it to finish creating your account.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Confirmation code"));
    await enterCode(user, ` ${FAKE_CODE} `);

    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledWith({ email: "grace@example.test" }));
    expect(auth.calls).toEqual(["signUp grace@example.test", "confirmSignUp grace@example.test", "signIn grace@example.test"]);
    expect(auth.accounts["grace@example.test"]).toEqual({ password: STRONG });
  });

  it("links from the sign-in screen to sign-up and back, keeping the address", async () => {
    const { user } = renderScreens();

    await user.click(screen.getByRole("button", { name: "Create an account" }));
    expect(heading()).toBe("Create an account");
    expect(emailInput().autocomplete).toBe("username");
    expect(screen.getByLabelText<HTMLInputElement>("Password").autocomplete).toBe("new-password");
    await user.type(emailInput(), "grace@example.test");
    await user.click(screen.getByRole("button", { name: "Back to sign in" }));

    expect(heading()).toBe("Sign in");
    expect(emailInput().value).toBe("grace@example.test");
  });

  it("shows the pool's password rules and ticks them off as the user types", async () => {
    const { user } = renderScreens();
    await user.click(screen.getByRole("button", { name: "Create an account" }));
    const password = screen.getByLabelText("Password");
    const rules = document.getElementById(password.getAttribute("aria-describedby") ?? "")!;
    const met = () => within(rules).getAllByRole("listitem").filter((rule) => rule.textContent?.endsWith("(done)")).length;

    expect(within(rules).getAllByRole("listitem").map((rule) => rule.textContent)).toEqual([
      "at least 12 characters (not yet)",
      "a lowercase letter (not yet)",
      "an uppercase letter (not yet)",
      "a digit (not yet)",
      "a symbol, such as ! ? # or % (not yet)",
    ]);
    await user.type(password, "abc");
    expect(met()).toBe(1);
    await user.type(password, "DEF-1234567");
    expect(met()).toBe(5);
  });

  it("says what a weak password lacks, without calling Cognito", async () => {
    const { auth, user } = renderScreens({ accounts: {} });

    await fillSignUp(user, "grace@example.test", "password");

    expect(screen.getByRole("alert").textContent).toBe(
      "Your password needs at least 12 characters, an uppercase letter, a digit and a symbol, such as ! ? # or %.",
    );
    expect(auth.calls).toEqual([]);
  });

  it.each([
    ["", STRONG, STRONG, "Enter your email address."],
    ["grace.example.test", STRONG, STRONG, "“grace.example.test” is not an email address; check it for typos."],
    ["grace@example.test", STRONG, "Correct-horse-2", "The two passwords do not match."],
  ])("checks the form first: %j, %j, %j", async (email, password, repeated, problem) => {
    const { auth, user } = renderScreens({ accounts: {} });

    await user.click(screen.getByRole("button", { name: "Create an account" }));
    if (email !== "") await user.type(emailInput(), email);
    await user.type(screen.getByLabelText("Password"), password);
    await user.type(screen.getByLabelText("Confirm password"), repeated);
    await user.click(screen.getByRole("button", { name: "Create account" }));

    expect(screen.getByRole("alert").textContent).toBe(problem);
    expect(auth.calls).toEqual([]);
  });

  it("shows why Cognito rejected the password", async () => {
    const { auth, user } = renderScreens({ accounts: {} });
    auth.failNext("signUp", new AuthFailure("passwordRejected", "Choose another password. Password is too common."));

    await fillSignUp(user, "grace@example.test", STRONG);

    expect((await screen.findByRole("alert")).textContent).toBe("Choose another password. Password is too common.");
    expect(heading()).toBe("Create an account");
  });

  it("says when the address has an account already, and offers to enter its code", async () => {
    const { user } = renderScreens({ accounts: { "ada@example.test": { password: STRONG, status: "unconfirmed" } } });

    await fillSignUp(user, "ada@example.test", STRONG);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(AUTH_MESSAGES.accountExists);
    await user.click(within(alert).getByRole("button", { name: "Enter confirmation code" }));
    expect(screen.getByText("Enter the confirmation code we emailed to ada@example.test when you signed up.")).toBeTruthy();
  });
});

describe("the confirmation code", () => {
  async function reachConfirmation(options: FakeAuthOptions = { accounts: {} }) {
    const parts = renderScreens(options);
    await fillSignUp(parts.user, "grace@example.test", STRONG);
    await screen.findByLabelText("Confirmation code");
    return parts;
  }

  it("says when the code is wrong, and the right one still works", async () => {
    const { onSignedIn, user } = await reachConfirmation();

    await enterCode(user, "000000");

    expect((await screen.findByRole("alert")).textContent).toBe(AUTH_MESSAGES.codeMismatch);
    await enterCode(user, FAKE_CODE);
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalled());
  });

  it("asks for the code before calling Cognito", async () => {
    const { auth, user } = await reachConfirmation();

    await user.click(screen.getByRole("button", { name: "Confirm" }));

    expect(screen.getByRole("alert").textContent).toBe("Enter the code from the email.");
    expect(auth.calls).toEqual(["signUp grace@example.test"]);
  });

  it("explains an expired code, and sends a new one", async () => {
    const { auth, onSignedIn, user } = await reachConfirmation();
    auth.failNext("confirmSignUp", new AuthFailure("codeExpired", AUTH_MESSAGES.codeExpired));

    await enterCode(user, FAKE_CODE);
    expect((await screen.findByRole("alert")).textContent).toBe(AUTH_MESSAGES.codeExpired);
    await user.click(screen.getByRole("button", { name: "Resend code" }));

    expect((await screen.findByRole("status")).textContent).toBe("We sent a new code to g***@e***. Codes from earlier emails no longer work.");
    expect(screen.queryByRole("alert")).toBeNull();
    await enterCode(user, FAKE_CODE);
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledWith({ email: "grace@example.test" }));
    expect(auth.calls).toContain("resendSignUpCode grace@example.test");
  });

  it("says when a new code cannot be sent", async () => {
    const { auth, user } = await reachConfirmation();
    auth.failNext("resendSignUpCode", new AuthFailure("tooManyAttempts", AUTH_MESSAGES.tooManyAttempts));

    await user.click(screen.getByRole("button", { name: "Resend code" }));

    expect((await screen.findByRole("alert")).textContent).toBe(AUTH_MESSAGES.tooManyAttempts);
  });

  it("goes to the sign-in screen with the address when signing in afterwards fails", async () => {
    const { auth, onSignedIn, user } = await reachConfirmation();
    auth.failNext("signIn", new AuthFailure("network", AUTH_MESSAGES.network));

    await enterCode(user, FAKE_CODE);

    expect((await screen.findByRole("status")).textContent).toBe(CONFIRMED_NOTICE);
    expect(heading()).toBe("Sign in");
    expect(emailInput().value).toBe("grace@example.test");
    expect(onSignedIn).not.toHaveBeenCalled();
  });
});

describe("an account that is not confirmed yet", () => {
  const unconfirmed: FakeAuthOptions = { accounts: { "ada@example.test": { password: STRONG, status: "unconfirmed" } } };

  it("is offered the code screen at sign-in, and is signed in once confirmed", async () => {
    const { auth, onSignedIn, user } = renderScreens(unconfirmed);
    await user.type(emailInput(), "ada@example.test");
    await user.type(screen.getByLabelText("Password"), STRONG);
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect((await screen.findByRole("alert")).textContent).toBe(AUTH_MESSAGES.notConfirmed);
    await user.click(screen.getByRole("button", { name: "Enter confirmation code" }));
    expect(screen.getByText("Enter the confirmation code we emailed to ada@example.test when you signed up.")).toBeTruthy();
    await enterCode(user, FAKE_CODE);

    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledWith({ email: "ada@example.test" }));
    expect(auth.calls).toEqual(["signIn ada@example.test", "confirmSignUp ada@example.test", "signIn ada@example.test"]);
  });

  it("goes back to sign in, with a notice, when the account turns out to be confirmed already", async () => {
    const { user } = renderScreens({ accounts: { "ada@example.test": { password: STRONG } } });

    await fillSignUp(user, "ada@example.test", STRONG);
    await user.click(await screen.findByRole("button", { name: "Enter confirmation code" }));
    await enterCode(user, FAKE_CODE);

    expect((await screen.findByRole("status")).textContent).toBe(AUTH_MESSAGES.alreadyConfirmed);
    expect(emailInput().value).toBe("ada@example.test");
  });
});
