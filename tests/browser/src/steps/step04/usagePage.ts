// step04's usage page, as its owner perceives it: elements by role and accessible name only.
import type { Page } from "playwright-core";

export const NO_USAGE = "No usage yet in this period.";

export function usagePage(page: Page) {
  const pages = page.getByRole("navigation", { name: "Pages" });
  const table = page.getByRole("table", { name: /^Usage per list/ });

  return {
    table,
    chart: page.getByRole("img", { name: /^Requests per day/ }),
    noUsage: page.getByText(NO_USAGE, { exact: true }),

    /** Opens the page from the account bar and waits for the report or its empty state. */
    async open(): Promise<void> {
      await pages.getByRole("link", { name: "Usage", exact: true }).click();
      await page.getByRole("heading", { name: "Usage", level: 1 }).waitFor();
      await table.or(page.getByText(NO_USAGE, { exact: true })).first().waitFor();
    },

    /** The row of a list: its cells after the name, as text. */
    async row(name: string): Promise<string[]> {
      const row = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
      return row.getByRole("cell").allTextContents();
    },

    period: (label: "Day" | "Month") => page.getByRole("group", { name: "Period" }).getByRole("button", { name: label, exact: true }),
  };
}
