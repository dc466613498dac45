// The usage page: the owner's lists per day or month with totals, the chart of requests per
// day, moving between periods, its loading, empty and error states, and the way to it and back.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FAKE_API_URL, installFakeApi, type FakeApiOptions } from "../test/fakeApi.ts";
import { fakeApiSession, fakeAuth } from "../test/fakeAuth.ts";
import { FAKE_USER } from "../test/fakeLists.ts";
import { createUsageApi } from "../usageApi.ts";
import { SessionGate } from "./SessionGate.tsx";
import { NO_USAGE, UsagePage } from "./UsagePage.tsx";

const BOB = "bob@example.test";

/** Ada owns Groceries and Work, Work has a member, and Ada is a member of Bob's Chores. */
const metered: FakeApiOptions = {
  lists: [
    { name: "Groceries", todos: ["Buy milk", "Eggs", "Bread"] },
    { name: "Work", members: [BOB], todos: ["Write report"] },
    { name: "Chores", owner: BOB, members: [FAKE_USER] },
  ],
  usage: [
    { listId: "list-1", date: "2026-11-03", requests: 5, durationMs: 120, readUnits: 2.5, writeUnits: 1 },
    { listId: "list-1", date: "2026-11-15", requests: 3, durationMs: 60, readUnits: 1.5, writeUnits: 2 },
    // Bob's requests to Work count for Ada, its owner.
    { listId: "list-2", date: "2026-11-15", requests: 10, durationMs: 1500, readUnits: 4, writeUnits: 3 },
    { listId: "list-0", date: "2026-11-10", requests: 2, durationMs: 40, readUnits: 1, writeUnits: 2 },
    // Ada's requests to Chores count for Bob, never for her.
    { listId: "list-3", date: "2026-11-15", requests: 7, durationMs: 90, readUnits: 3, writeUnits: 1 },
    { listId: "list-1", date: "2026-10-20", requests: 4, durationMs: 80, readUnits: 2, writeUnits: 0 },
  ],
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-11-15T12:00:00Z"));
});

afterEach(() => vi.useRealTimers());

function renderPage(options: FakeApiOptions = metered) {
  const api = installFakeApi(options);
  const user = userEvent.setup();
  render(<UsagePage api={createUsageApi(FAKE_API_URL, fakeApiSession())} />);
  return { api, user };
}

/** Each row of the table called `name` as its cells' text, header and footer included. */
function rows(name: string): string[][] {
  const table = screen.getByRole("table", { name });
  return within(table)
    .getAllByRole("row")
    .map((row) => [...row.querySelectorAll("th, td")].map((cell) => cell.textContent ?? ""));
}

const button = (name: string) => screen.getByRole<HTMLButtonElement>("button", { name });

describe("a month's usage", () => {
  it("lists the user's own lists, busiest first, with totals", async () => {
    const { api } = renderPage();

    expect(await screen.findByRole("table", { name: "Usage per list, November 2026" })).toBeTruthy();
    expect(rows("Usage per list, November 2026")).toEqual([
      ["List", "Requests", "Duration (ms)", "Read units", "Write units", "Stored items"],
      ["Work", "10", "1,500", "4", "3", "1"],
      ["Groceries", "8", "180", "4", "3", "3"],
      ["Deleted list", "2", "40", "1", "2", "0"],
      ["Total", "20", "1,720", "9", "8", "4"],
    ]);
    expect(screen.queryByText("Chores")).toBeNull();
    expect(screen.getByRole("heading", { name: "November 2026" })).toBeTruthy();
    expect(button("Month").getAttribute("aria-pressed")).toBe("true");
    expect(button("Day").getAttribute("aria-pressed")).toBe("false");
    expect(api.requests).toEqual(["GET /usage?period=month&date=2026-11-15"]);
  });

  it("charts the requests of every day of the month, with a name, a summary and a table", async () => {
    renderPage();

    const chart = await screen.findByRole("img", { name: "Requests per day, November 2026" });
    const bars = [...chart.querySelectorAll("rect.bar")];
    expect(bars).toHaveLength(30);
    const heights = bars.map((bar) => Number(bar.getAttribute("height")));
    expect(heights[14]).toBeGreaterThan(heights[2]!);
    expect(heights.filter((height) => height > 0)).toHaveLength(3);
    expect(bars[14]?.querySelector("title")?.textContent).toBe("15 Nov: 13 requests");

    const description = document.getElementById(chart.getAttribute("aria-describedby") ?? "");
    expect(description?.textContent).toBe("20 requests in all; the busiest day was 15 Nov, with 13 requests.");
    const days = rows("Requests per day, November 2026");
    expect(days).toHaveLength(31);
    expect(days[3]).toEqual(["3 Nov", "5"]);
  });
});

describe("moving between periods", () => {
  it("shows a day's usage, without a chart", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("table", { name: "Usage per list, November 2026" });

    await user.click(button("Day"));

    expect(await screen.findByRole("table", { name: "Usage per list, 15 November 2026" })).toBeTruthy();
    expect(rows("Usage per list, 15 November 2026").slice(1)).toEqual([
      ["Work", "10", "1,500", "4", "3", "1"],
      ["Groceries", "3", "60", "1.5", "2", "3"],
      ["Total", "13", "1,560", "5.5", "5", "4"],
    ]);
    expect(screen.queryByRole("img")).toBeNull();
    expect(button("Day").getAttribute("aria-pressed")).toBe("true");
    expect(api.requests.at(-1)).toBe("GET /usage?period=day&date=2026-11-15");
  });

  it("goes back a month and forward again, but not past the current one", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("table", { name: "Usage per list, November 2026" });
    expect(button("Next month →").disabled).toBe(true);

    await user.click(button("← Previous month"));

    expect(await screen.findByRole("heading", { name: "October 2026" })).toBeTruthy();
    expect(rows("Usage per list, October 2026").slice(1)).toEqual([
      ["Groceries", "4", "80", "2", "0", "3"],
      ["Total", "4", "80", "2", "0", "3"],
    ]);
    expect(screen.getByRole("img", { name: "Requests per day, October 2026" }).querySelectorAll("rect.bar")).toHaveLength(31);

    await user.click(button("Next month →"));
    await screen.findByRole("table", { name: "Usage per list, November 2026" });
    expect(api.requests).toEqual([
      "GET /usage?period=month&date=2026-11-15",
      "GET /usage?period=month&date=2026-10-01",
      "GET /usage?period=month&date=2026-11-01",
    ]);
  });

  it("steps by days in the day view", async () => {
    const { api, user } = renderPage();
    await screen.findByRole("table", { name: "Usage per list, November 2026" });
    await user.click(button("Day"));
    await screen.findByRole("table", { name: "Usage per list, 15 November 2026" });
    expect(button("Next day →").disabled).toBe(true);

    await user.click(button("← Previous day"));

    expect(await screen.findByRole("heading", { name: "14 November 2026" })).toBeTruthy();
    expect(await screen.findByText(NO_USAGE)).toBeTruthy();
    expect(button("Next day →").disabled).toBe(false);
    expect(api.requests.at(-1)).toBe("GET /usage?period=day&date=2026-11-14");
  });
});

describe("the page's states", () => {
  it("says when there is no usage in the period", async () => {
    renderPage({ ...metered, usage: [] });

    expect(await screen.findByText(NO_USAGE)).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.queryByRole("img")).toBeNull();
  });

  it("shows that it is loading", async () => {
    const { api } = renderPage();
    const release = api.pause();

    expect(screen.getByRole("status").textContent).toBe("Loading usage…");
    release();
    expect(await screen.findByRole("table", { name: "Usage per list, November 2026" })).toBeTruthy();
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("shows the error with Retry, and Retry loads the usage", async () => {
    const { api, user } = renderPage();
    api.failNext("GET", { status: 500, body: { error: "internal", message: "the table is unavailable" } });

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load the usage: the table is unavailable");

    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("table", { name: "Usage per list, November 2026" })).toBeTruthy();
  });
});

describe("the way to the usage page", () => {
  function renderApp() {
    const api = installFakeApi(metered);
    const user = userEvent.setup();
    const app = () => <SessionGate auth={fakeAuth({ signedInAs: FAKE_USER })} apiUrl={FAKE_API_URL} />;
    const { unmount } = render(app());
    const reload = () => {
      unmount();
      render(app());
    };
    return { api, user, reload };
  }

  const pages = () => screen.getByRole("navigation", { name: "Pages" });

  it("goes from the lists to the usage page, stays there on reload, and back to the list that was open", async () => {
    const { user, reload } = renderApp();
    await user.click(await screen.findByRole("link", { name: "Work" }));
    await screen.findByRole("checkbox", { name: "Write report" });

    await user.click(within(pages()).getByRole("link", { name: "Usage" }));

    expect(await screen.findByRole("table", { name: "Usage per list, November 2026" })).toBeTruthy();
    expect(window.location.hash).toBe("#usage");
    expect(screen.queryByRole("navigation", { name: "Lists" })).toBeNull();

    reload();
    expect(await screen.findByRole("heading", { name: "Usage" })).toBeTruthy();
    await screen.findByRole("table", { name: "Usage per list, November 2026" });

    await user.click(within(pages()).getByRole("link", { name: "Back to lists" }));
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(window.location.hash).toBe("#/lists/list-1");
  });

  it("returns to the open list with Back to lists, and follows the browser's Back button", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByRole("link", { name: "Work" }));
    await screen.findByRole("checkbox", { name: "Write report" });

    await user.click(within(pages()).getByRole("link", { name: "Usage" }));
    await screen.findByRole("heading", { name: "Usage" });
    await user.click(within(pages()).getByRole("link", { name: "Back to lists" }));
    expect(await screen.findByRole("checkbox", { name: "Write report" })).toBeTruthy();
    expect(window.location.hash).toBe("#/lists/list-2");

    window.history.back();
    expect(await screen.findByRole("heading", { name: "Usage" })).toBeTruthy();
    window.history.back();
    expect(await screen.findByRole("checkbox", { name: "Write report" })).toBeTruthy();
  });
});
