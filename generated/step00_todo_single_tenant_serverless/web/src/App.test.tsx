// Start-up behaviour: config.json, the first load, and its loading, empty and error states.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App.tsx";
import { installFakeApi } from "./test/fakeApi.ts";

describe("App start-up", () => {
  it("loads the config, then lists the todos oldest first with their done state", async () => {
    installFakeApi({ todos: ["Buy milk", { title: "Walk the dog", done: true }] });
    render(<App />);

    const list = await screen.findByRole("list", { name: "Your todos" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((item) => item.querySelector("label")?.textContent)).toEqual(["Buy milk", "Walk the dog"]);
    expect((screen.getByRole("checkbox", { name: "Buy milk" }) as HTMLInputElement).checked).toBe(false);
    expect((screen.getByRole("checkbox", { name: "Walk the dog" }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText("1 of 2 done")).toBeTruthy();
  });

  it("orders todos by creation time whatever order the API returns", async () => {
    installFakeApi({
      todos: [
        { title: "Second", createdAt: "2025-01-02T00:00:00.000Z" },
        { title: "First", createdAt: "2025-01-01T00:00:00.000Z" },
      ],
    });
    render(<App />);

    const list = await screen.findByRole("list", { name: "Your todos" });
    expect(within(list).getAllByRole("checkbox").map((box) => box.parentElement?.textContent)).toEqual([
      expect.stringMatching(/^First/),
      expect.stringMatching(/^Second/),
    ]);
  });

  it("shows a loading state until the first load answers", async () => {
    const api = installFakeApi({ todos: ["Buy milk"] });
    const release = api.pause();
    render(<App />);

    expect((await screen.findByText("Loading todos…")).getAttribute("role")).toBe("status");
    expect((screen.getByRole("button", { name: "Add" }) as HTMLButtonElement).disabled).toBe(true);
    release();
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("shows an empty state when there are no todos", async () => {
    installFakeApi();
    render(<App />);

    expect(await screen.findByText("No todos yet — add your first one.")).toBeTruthy();
    expect(screen.queryByRole("list")).toBeNull();
  });

  it("shows the load error with Retry, and Retry loads the list", async () => {
    const api = installFakeApi({ todos: ["Buy milk"] });
    api.failNext("GET", { status: 500, body: { error: "internal", message: "the table is unavailable" } });
    const user = userEvent.setup();
    render(<App />);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the table is unavailable");
    expect(screen.queryByRole("checkbox")).toBeNull();

    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(api.requests).toEqual(["GET /todos", "GET /todos"]);
  });

  it("says how to create config.json when it is missing, and never calls the API", async () => {
    const api = installFakeApi({ config: null });
    render(<App />);

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("heading").textContent).toBe("The app is not configured");
    expect(alert.textContent).toContain("/config.json is missing (the server answered HTTP 404)");
    expect(alert.textContent).toContain("web/public/config.json");
    expect(api.requests).toEqual([]);
  });

  it("names the problem when config.json has no apiUrl", async () => {
    installFakeApi({ config: { api: "https://api.example.test/prod/" } });
    render(<App />);

    expect((await screen.findByRole("alert")).textContent).toContain('has no "apiUrl" string');
  });

  it("accepts an apiUrl without a trailing slash", async () => {
    const api = installFakeApi({ config: { apiUrl: "https://api.example.test/prod" }, todos: ["Buy milk"] });
    render(<App />);

    expect(await screen.findByRole("checkbox", { name: "Buy milk" })).toBeTruthy();
    expect(api.requests).toEqual(["GET /todos"]);
  });
});
