// The step00 SPA as a user perceives it: every element found by its role and accessible name,
// never by CSS class or test id, so the tests also check that the page is accessible.
import type { Page } from "playwright-core";

export const EMPTY_STATE = "No todos yet — add your first one.";

export function todoPage(page: Page) {
  const newTodo = page.getByRole("textbox", { name: "New todo", exact: true });
  const addButton = page.getByRole("button", { name: "Add", exact: true });
  const list = page.getByRole("list", { name: "Your todos" });
  const checkbox = (title: string) => page.getByRole("checkbox", { name: title, exact: true });
  const editInput = (title: string) => page.getByRole("textbox", { name: `New title for ${title}`, exact: true });

  return {
    newTodo,
    addButton,
    list,
    checkbox,
    editInput,
    alert: page.getByRole("alert"),
    emptyState: page.getByText(EMPTY_STATE, { exact: true }),
    /** "N of M done" beside the list heading. */
    doneCount: page.getByText(/^\d+ of \d+ done$/),
    editButton: (title: string) => page.getByRole("button", { name: `Edit ${title}`, exact: true }),
    deleteButton: (title: string) => page.getByRole("button", { name: `Delete ${title}`, exact: true }),
    saveButton: page.getByRole("button", { name: "Save", exact: true }),
    cancelButton: page.getByRole("button", { name: "Cancel", exact: true }),

    /** Opens the app and waits until the first load is over (list or empty state shown). */
    async open(): Promise<void> {
      await page.goto("/");
      // Not "status gone": before React's first render there is no status either.
      await list.or(page.getByText(EMPTY_STATE, { exact: true })).or(page.getByRole("alert")).first().waitFor();
    },

    /** Types a title and presses Add, then waits for the todo to be listed. */
    async add(title: string): Promise<void> {
      await newTodo.fill(title);
      await addButton.click();
      await checkbox(title.trim()).waitFor();
    },

    /** The listed titles, top to bottom (each checkbox's label). */
    async titles(): Promise<string[]> {
      if ((await list.count()) === 0) return [];
      return list.getByRole("listitem").locator("label").allTextContents();
    },

    /** Title and done state of each listed todo, top to bottom. */
    async todos(): Promise<Array<{ title: string; done: boolean }>> {
      if ((await list.count()) === 0) return [];
      const boxes = await list.getByRole("checkbox").all();
      const labels = await list.getByRole("listitem").locator("label").allTextContents();
      return Promise.all(boxes.map(async (box, i) => ({ title: labels[i] ?? "?", done: await box.isChecked() })));
    },
  };
}

export type TodoPage = ReturnType<typeof todoPage>;
