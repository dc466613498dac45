// The usage page's state: which period is shown (this month at first), and its report as the
// API answered it. A late answer for a period the user has already left is dropped.
import { useCallback, useEffect, useState } from "react";
import type { UsageApi, UsagePeriod, UsageReport } from "./usageApi.ts";
import { isCurrentOrLater, shiftPeriod, todayUtc } from "./usagePeriod.ts";

export type UsageState =
  | { status: "loading" }
  | { status: "failed"; message: string }
  | { status: "ready"; report: UsageReport };

export interface Usage {
  period: UsagePeriod;
  /** A day of the period shown, "YYYY-MM-DD". */
  date: string;
  state: UsageState;
  /** False for the current period: usage is not metered ahead of time. */
  hasNext: boolean;
  choosePeriod(period: UsagePeriod): void;
  previous(): void;
  next(): void;
  reload(): void;
}

export function useUsage(api: UsageApi): Usage {
  const [period, setPeriod] = useState<UsagePeriod>("month");
  const [date, setDate] = useState(() => todayUtc());
  const [state, setState] = useState<UsageState>({ status: "loading" });
  const [loadCount, setLoadCount] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: "loading" });
    api.usage(period, date, controller.signal).then(
      (report) => {
        if (!controller.signal.aborted) setState({ status: "ready", report });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "failed", message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => controller.abort();
  }, [api, period, date, loadCount]);

  return {
    period,
    date,
    state,
    hasNext: !isCurrentOrLater(period, date),
    // The day stays: a month shows the month of the day shown, a day the day shown.
    choosePeriod: setPeriod,
    previous: useCallback(() => setDate((current) => shiftPeriod(period, current, -1)), [period]),
    next: useCallback(() => setDate((current) => shiftPeriod(period, current, 1)), [period]),
    reload: useCallback(() => setLoadCount((n) => n + 1), []),
  };
}
