// The sign-in screen of the steps with sign-in, as a user perceives it: elements by role and
// accessible name only.
import type { Page } from "playwright-core";

export function signInPage(page: Page) {
  const email = page.getByLabel("Email", { exact: true });
  const password = page.getByLabel("Password", { exact: true });
  const signInButton = page.getByRole("button", { name: "Sign in", exact: true });
  const signOutButton = page.getByRole("button", { name: "Sign out", exact: true });

  return {
    email,
    password,
    signInButton,
    signOutButton,
    alert: page.getByRole("alert"),
    /** A message to a signed-out user, e.g. why they were signed out. */
    notice: page.getByRole("status"),
    newPassword: page.getByLabel("New password", { exact: true }),
    confirmNewPassword: page.getByLabel("Confirm new password", { exact: true }),
    setPasswordButton: page.getByRole("button", { name: "Set password and sign in", exact: true }),

    /** Opens the app and waits for either the sign-in form or a signed-in page. */
    async open(): Promise<void> {
      await page.goto("/");
      await signInButton.or(signOutButton).first().waitFor();
    },

    /** Fills the form and submits it; does not wait for the outcome. */
    async submit(address: string, secret: string): Promise<void> {
      await email.fill(address);
      await password.fill(secret);
      await signInButton.click();
    },

    /** Signs in and waits until the signed-in page shows. */
    async signIn(address: string, secret: string): Promise<void> {
      await this.submit(address, secret);
      await signOutButton.waitFor();
    },
  };
}
