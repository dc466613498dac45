// Typed client for the usage route: what the user's own lists cost to run, per list and per
// day. Every request to a list is metered and counted for the list's owner, members' requests
// included, so a list shared with the user never appears here. Failures are ApiErrors.
import { ApiError, createSend, isRecord, json, type ApiSession } from "./api.ts";

/** A UTC calendar day or month, as the API rolls usage up. */
export type UsagePeriod = "day" | "month";

/** What the API metered for a set of requests. */
export interface UsageCounts {
  requests: number;
  /** The time the API took to answer them, summed. */
  durationMs: number;
  /** DynamoDB capacity units the requests consumed (reads may come in halves). */
  readUnits: number;
  writeUnits: number;
}

export interface ListUsage extends UsageCounts {
  listId: string;
  /** null when the list has been deleted since. */
  name: string | null;
  /** The todos the list holds. */
  storedItems: number;
}

export interface DayUsage extends UsageCounts {
  /** "YYYY-MM-DD". */
  date: string;
}

export interface UsageReport {
  period: UsagePeriod;
  /** The period's first and last days, "YYYY-MM-DD". */
  start: string;
  end: string;
  /** The user's own lists with usage in the period, most requests first. */
  lists: ListUsage[];
  total: UsageCounts & { storedItems: number };
  /** Every day of the period, oldest first, days without requests included. */
  days: DayUsage[];
}

export interface UsageApi {
  /** The usage of the day or month that contains `date` ("YYYY-MM-DD"). */
  usage(period: UsagePeriod, date: string, signal?: AbortSignal): Promise<UsageReport>;
}

/** `apiUrl` is the configured base URL, ending in "/" (see config.ts). */
export function createUsageApi(apiUrl: string, session: ApiSession): UsageApi {
  const send = createSend(apiUrl, session);

  return {
    async usage(period, date, signal) {
      const query = new URLSearchParams({ period, date });
      const body = await json(await send("GET", `usage?${query}`, undefined, signal));
      if (!isReport(body)) throw unexpectedBody();
      return body;
    },
  };
}

function unexpectedBody(): ApiError {
  return new ApiError(0, "invalid_response", "The API answered with something that is not a usage report; is apiUrl pointing at the todo API?");
}

function isCounts(value: unknown): value is UsageCounts {
  return (
    isRecord(value) &&
    ["requests", "durationMs", "readUnits", "writeUnits"].every((key) => typeof value[key] === "number")
  );
}

function isListUsage(value: unknown): value is ListUsage {
  return (
    isCounts(value) &&
    isRecord(value) &&
    typeof value["listId"] === "string" &&
    (typeof value["name"] === "string" || value["name"] === null) &&
    typeof value["storedItems"] === "number"
  );
}

function isDayUsage(value: unknown): value is DayUsage {
  return isCounts(value) && isRecord(value) && typeof value["date"] === "string";
}

function isReport(value: unknown): value is UsageReport {
  return (
    isRecord(value) &&
    (value["period"] === "day" || value["period"] === "month") &&
    typeof value["start"] === "string" &&
    typeof value["end"] === "string" &&
    Array.isArray(value["lists"]) &&
    value["lists"].every(isListUsage) &&
    isCounts(value["total"]) &&
    isRecord(value["total"]) &&
    typeof value["total"]["storedItems"] === "number" &&
    Array.isArray(value["days"]) &&
    value["days"].every(isDayUsage)
  );
}
