// The usage page's calendar: UTC days, and periods that step across months and years.
import { describe, expect, it } from "vitest";
import { isCurrentOrLater, periodName, shiftPeriod, shortDayName, todayUtc } from "./usagePeriod.ts";

describe("the usage calendar", () => {
  it("takes today in UTC, whatever the local time zone", () => {
    expect(todayUtc(new Date("2026-11-15T23:30:00-05:00"))).toBe("2026-11-16");
  });

  it("steps days across months, years and leap days", () => {
    expect(shiftPeriod("day", "2026-11-30", 1)).toBe("2026-12-01");
    expect(shiftPeriod("day", "2027-01-01", -1)).toBe("2026-12-31");
    expect(shiftPeriod("day", "2028-02-28", 1)).toBe("2028-02-29");
  });

  it("steps months to their first day, so short months are not skipped", () => {
    expect(shiftPeriod("month", "2026-03-31", -1)).toBe("2026-02-01");
    expect(shiftPeriod("month", "2026-12-15", 1)).toBe("2027-01-01");
    expect(shiftPeriod("month", "2026-01-15", -1)).toBe("2025-12-01");
  });

  it("knows when a period has nothing after it yet", () => {
    expect(isCurrentOrLater("month", "2026-11-01", "2026-11-15")).toBe(true);
    expect(isCurrentOrLater("month", "2026-10-31", "2026-11-15")).toBe(false);
    expect(isCurrentOrLater("day", "2026-11-15", "2026-11-15")).toBe(true);
    expect(isCurrentOrLater("day", "2026-11-14", "2026-11-15")).toBe(false);
  });

  it("names periods and days in English", () => {
    expect(periodName("month", "2026-11-15")).toBe("November 2026");
    expect(periodName("day", "2026-11-05")).toBe("5 November 2026");
    expect(shortDayName("2026-11-05")).toBe("5 Nov");
  });
});
