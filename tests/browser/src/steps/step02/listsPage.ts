// The lists of the multi-tenant steps (step02 on), as a user perceives them: elements by role
// and accessible name only.
import type { Page } from "playwright-core";

export const NO_LISTS = "No lists yet — create your first list.";

export function listsPage(page: Page) {
  const switcher = page.getByRole("navigation", { name: "Lists" });
  const newList = page.getByRole("textbox", { name: "New list", exact: true });

  return {
    switcher,
    newList,
    noLists: page.getByText(NO_LISTS, { exact: true }),
    alert: page.getByRole("alert"),
    /** The switcher's entry for a list. */
    link: (name: string) => switcher.getByRole("link", { name, exact: true }),
    /** The open list's region. */
    openList: (name: string) => page.getByRole("region", { name, exact: true }),
    renameButton: page.getByRole("button", { name: "Rename list", exact: true }),
    deleteButton: page.getByRole("button", { name: "Delete list", exact: true }),
    shareButton: page.getByRole("button", { name: "Share list", exact: true }),
    leaveButton: page.getByRole("button", { name: "Leave list", exact: true }),

    /** Creates a list and waits until it is open. */
    async create(name: string): Promise<void> {
      await newList.fill(name);
      await page.getByRole("button", { name: "Create list", exact: true }).click();
      await page.getByRole("region", { name, exact: true }).waitFor();
    },

    /** Opens a list from the switcher and waits for its todos to load. */
    async open(name: string): Promise<void> {
      await switcher.getByRole("link", { name, exact: true }).click();
      const region = page.getByRole("region", { name, exact: true });
      await region.waitFor();
      await region
        .getByRole("list", { name: "Your todos" })
        .or(region.getByText(/No todos yet/))
        .first()
        .waitFor();
    },

    /** The names in the switcher, top to bottom (all groups). */
    async names(): Promise<string[]> {
      if ((await switcher.count()) === 0) return [];
      return switcher.getByRole("link").allTextContents();
    },
  };
}

/** Sign-up and confirmation, from the sign-in screen. */
export function signUpPage(page: Page) {
  return {
    async signUp(email: string, password: string, code = "123456"): Promise<void> {
      await page.getByRole("button", { name: "Create an account", exact: true }).click();
      await page.getByLabel("Email", { exact: true }).fill(email);
      await page.getByLabel("Password", { exact: true }).fill(password);
      await page.getByLabel("Confirm password", { exact: true }).fill(password);
      await page.getByRole("button", { name: "Create account", exact: true }).click();
      await page.getByLabel("Confirmation code", { exact: true }).fill(code);
      await page.getByRole("button", { name: "Confirm", exact: true }).click();
    },
  };
}
