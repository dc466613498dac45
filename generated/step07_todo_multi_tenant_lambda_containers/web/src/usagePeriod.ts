// The calendar of the usage page, in UTC as the API rolls usage up: today, the period before
// or after one, and how periods and days are named. Days are "YYYY-MM-DD" strings throughout,
// which compare in calendar order.
import type { UsagePeriod } from "./usageApi.ts";

/** Today's date in UTC, "YYYY-MM-DD". */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * A day of the period `step` periods after the one that contains `date` (before it when
 * negative): the day itself moved for a day, the first of the month for a month, so that going
 * back from 31 March lands in February.
 */
export function shiftPeriod(period: UsagePeriod, date: string, step: number): string {
  const [year, month, day] = parts(date);
  const shifted = period === "day" ? Date.UTC(year, month - 1, day + step) : Date.UTC(year, month - 1 + step, 1);
  return todayUtc(new Date(shifted));
}

/** Whether the period that contains `date` also contains today or a later day: nothing comes after it yet. */
export function isCurrentOrLater(period: UsagePeriod, date: string, today: string = todayUtc()): boolean {
  return shiftPeriod(period, date, 1) > today;
}

/** "November 2026" for a month, "15 November 2026" for a day. */
export function periodName(period: UsagePeriod, date: string): string {
  const format = period === "month" ? monthFormat : dayFormat;
  return format.format(utcDate(date));
}

/** "15 Nov", for the days of a month. */
export function shortDayName(date: string): string {
  return shortDayFormat.format(utcDate(date));
}

// English, as the rest of the app, and in UTC, so a day is the same day for every reader.
const monthFormat = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", month: "long", year: "numeric" });
const dayFormat = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });
const shortDayFormat = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });

function utcDate(date: string): Date {
  const [year, month, day] = parts(date);
  return new Date(Date.UTC(year, month - 1, day));
}

function parts(date: string): [number, number, number] {
  const [year = NaN, month = NaN, day = NaN] = date.split("-").map(Number);
  return [year, month, day];
}
