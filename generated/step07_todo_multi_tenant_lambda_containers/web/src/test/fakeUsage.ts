// The usage route of the fake API: metered usage per owner, UTC day and list, rolled up for
// GET /usage as the real API answers it: the caller's own lists only (a member's requests count
// for the list's owner), every day of the period, the busiest list first. Its calendar
// arithmetic is its own, so it checks the page's rather than repeating it.
import type { CannedResponse } from "./fakeApi.ts";
import { FAKE_USER, type FakeLists } from "./fakeLists.ts";

/** One roll-up item: a list's usage on one day. Counts left out are 0. */
export interface FakeUsageRecord {
  /** A seeded list's id ("list-1", …), or the id of a list deleted since. */
  listId: string;
  /** "YYYY-MM-DD", UTC. */
  date: string;
  /** Whose usage it is: the list's owner; by default the seeded list's, or FAKE_USER for a deleted one. */
  owner?: string;
  requests?: number;
  durationMs?: number;
  readUnits?: number;
  writeUnits?: number;
}

type Counts = { requests: number; durationMs: number; readUnits: number; writeUnits: number };

export interface FakeUsage {
  /** Every record, owners filled in; tests may add more. */
  readonly records: Array<Required<FakeUsageRecord>>;
  /** Answers a request for "usage"; `url` carries the query. */
  route(method: string, url: URL): CannedResponse;
}

export function createFakeUsage(seeds: FakeUsageRecord[], lists: FakeLists): FakeUsage {
  const records = seeds.map((seed) => ({
    requests: 0,
    durationMs: 0,
    readUnits: 0,
    writeUnits: 0,
    owner: lists.all.find((list) => list.id === seed.listId)?.owner ?? FAKE_USER,
    ...seed,
  }));

  return {
    records,
    route(method, url) {
      if (method !== "GET") return { status: 405, body: { error: "method_not_allowed", message: `${method} is not allowed here` } };
      const period = url.searchParams.get("period");
      if (period !== "day" && period !== "month") return invalid("period must be day or month");
      const date = url.searchParams.get("date") ?? new Date().toISOString().slice(0, 10);
      const day = parseDay(date);
      if (day === null) return invalid("date must be a day written YYYY-MM-DD");

      const first = period === "day" ? day : new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
      const last = period === "day" ? day : new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0));
      const days: string[] = [];
      for (let at = first; at <= last; at = new Date(at.getTime() + 86_400_000)) days.push(isoDay(at));
      const start = days[0]!;
      const end = days[days.length - 1]!;
      const mine = records.filter((r) => r.owner === lists.caller && r.date >= start && r.date <= end);

      const listIds = [...new Set(mine.map((r) => r.listId))];
      const perList = listIds.map((listId) => {
        const list = lists.all.find((l) => l.id === listId);
        return {
          listId,
          name: list?.name ?? null,
          ...sum(mine.filter((r) => r.listId === listId)),
          storedItems: list?.todos.length ?? 0,
        };
      });
      perList.sort((a, b) => b.requests - a.requests || a.listId.localeCompare(b.listId));
      const total = { ...sum(mine), storedItems: perList.reduce((n, l) => n + l.storedItems, 0) };
      const perDay = days.map((date) => ({ date, ...sum(mine.filter((r) => r.date === date)) }));
      return { status: 200, body: { period, start, end, lists: perList, total, days: perDay } };
    },
  };
}

function sum(records: Counts[]): Counts {
  return records.reduce(
    (total, r) => ({
      requests: total.requests + r.requests,
      durationMs: total.durationMs + r.durationMs,
      readUnits: total.readUnits + r.readUnits,
      writeUnits: total.writeUnits + r.writeUnits,
    }),
    { requests: 0, durationMs: 0, readUnits: 0, writeUnits: 0 },
  );
}

/** The UTC midnight of a "YYYY-MM-DD" day; null for anything else, such as "2026-02-30". */
function parseDay(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const day = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || isoDay(day) !== text ? null : day;
}

function isoDay(day: Date): string {
  return day.toISOString().slice(0, 10);
}

function invalid(message: string): CannedResponse {
  return { status: 400, body: { error: "validation_failed", message } };
}
