// The owner's view of metering: what each of the user's own lists used in a day or a month,
// members' requests included, and the requests per day of the month as a chart.
import type { UsageApi, UsagePeriod } from "../usageApi.ts";
import { periodName } from "../usagePeriod.ts";
import { useUsage } from "../useUsage.ts";
import { UsageChart } from "./UsageChart.tsx";
import { UsageTable } from "./UsageTable.tsx";

export const NO_USAGE = "No usage yet in this period.";

const PERIODS: Array<{ period: UsagePeriod; label: string }> = [
  { period: "day", label: "Day" },
  { period: "month", label: "Month" },
];

export function UsagePage({ api }: { api: UsageApi }) {
  const usage = useUsage(api);
  const { state, period } = usage;
  const name = periodName(period, usage.date);

  return (
    <main className="page usage-page">
      <h1>Usage</h1>
      <p className="usage-intro">
        Requests to the lists you own, those of the people you share them with included, and the todos the lists hold. Days
        are UTC days.
      </p>
      <div className="usage-controls">
        <div role="group" aria-label="Period" className="period-switch">
          {PERIODS.map((option) => (
            <button
              key={option.period}
              type="button"
              className={option.period === period ? undefined : "secondary"}
              aria-pressed={option.period === period}
              onClick={() => usage.choosePeriod(option.period)}
            >
              {option.label}
            </button>
          ))}
        </div>
        <div className="period-nav">
          <button type="button" className="secondary" onClick={usage.previous}>
            ← Previous {period}
          </button>
          <h2>{name}</h2>
          <button type="button" className="secondary" disabled={!usage.hasNext} onClick={usage.next}>
            Next {period} →
          </button>
        </div>
      </div>
      {state.status === "loading" && <p role="status">Loading usage…</p>}
      {state.status === "failed" && (
        <div role="alert" className="panel panel-error">
          <p>Could not load the usage: {state.message}</p>
          <button type="button" onClick={usage.reload}>
            Retry
          </button>
        </div>
      )}
      {state.status === "ready" &&
        (state.report.lists.length === 0 ? (
          <p className="empty">{NO_USAGE}</p>
        ) : (
          <>
            <UsageTable report={state.report} periodName={name} />
            <p className="usage-note">
              Duration is the API's time answering; read and write units are the DynamoDB capacity the requests used.
            </p>
            {/* A day has a single bar: the table says it all. */}
            {state.report.period === "month" && <UsageChart days={state.report.days} periodName={name} />}
          </>
        ))}
    </main>
  );
}
