// The usage client: the route and query it asks, the token it sends, and what it accepts back.
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "./api.ts";
import { FAKE_ID_TOKEN, fakeApiSession } from "./test/fakeAuth.ts";
import { createUsageApi } from "./usageApi.ts";

const API_URL = "https://api.example.test/prod/";
const api = createUsageApi(API_URL, fakeApiSession());

const counts = { requests: 12, durationMs: 345, readUnits: 6.5, writeUnits: 4 };
const report = {
  period: "month",
  start: "2026-11-01",
  end: "2026-11-30",
  lists: [
    { listId: "list-1", name: "Groceries", ...counts, storedItems: 3 },
    { listId: "list-0", name: null, ...counts, storedItems: 0 },
  ],
  total: { requests: 24, durationMs: 690, readUnits: 13, writeUnits: 8, storedItems: 3 },
  days: [{ date: "2026-11-01", ...counts }],
};

function answer(status: number, body: unknown) {
  const fetch = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("createUsageApi", () => {
  it("asks for the period and day with the user's token, and returns the report", async () => {
    const fetch = answer(200, report);

    expect(await api.usage("month", "2026-11-15")).toEqual(report);

    const [url, init] = fetch.mock.calls[0]!;
    expect(`${init?.method} ${url}`).toBe(`GET ${API_URL}usage?period=month&date=2026-11-15`);
    expect(new Headers(init?.headers).get("Authorization")).toBe(`Bearer ${FAKE_ID_TOKEN}`);
  });

  it("passes on the API's refusal", async () => {
    answer(400, { error: "validation_failed", message: "date must be a day written YYYY-MM-DD" });

    await expect(api.usage("day", "2026-02-30")).rejects.toEqual(
      new ApiError(400, "validation_failed", "date must be a day written YYYY-MM-DD"),
    );
  });

  it.each([
    ["a list without a name field", { ...report, lists: [{ listId: "list-1", ...counts, storedItems: 3 }] }],
    ["counts that are not numbers", { ...report, total: { ...report.total, requests: "24" } }],
    ["no days", { ...report, days: undefined }],
    ["another period", { ...report, period: "week" }],
  ])("rejects a report with %s", async (_, body) => {
    answer(200, body);

    await expect(api.usage("month", "2026-11-15")).rejects.toMatchObject({ status: 0, code: "invalid_response" });
  });
});
