// Requests per day as a bar chart, in hand-written SVG: a chart library would outweigh the rest
// of the app. The chart is one image with a name and a one-sentence summary; the numbers it
// draws are also in a table below it, for screen readers and for anyone who wants them exact.
import { useId } from "react";
import type { DayUsage } from "../usageApi.ts";
import { shortDayName } from "../usagePeriod.ts";
import { formatCount } from "./UsageTable.tsx";

// The drawing's own units; the SVG scales to the width of the page.
const WIDTH = 640;
const HEIGHT = 200;
const PLOT = { left: 40, right: 8, top: 12, bottom: 24 };

interface Props {
  days: DayUsage[];
  /** The period's name, e.g. "November 2026". */
  periodName: string;
}

export function UsageChart({ days, periodName }: Props) {
  const titleId = useId();
  const descriptionId = useId();
  const top = roundUp(Math.max(0, ...days.map((day) => day.requests)));
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const slot = plotWidth / Math.max(1, days.length);
  const baseline = PLOT.top + plotHeight;

  return (
    <figure className="usage-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId} aria-describedby={descriptionId}>
        <title id={titleId}>{`Requests per day, ${periodName}`}</title>
        <desc id={descriptionId}>{summary(days)}</desc>
        <g className="axis" aria-hidden="true">
          <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={baseline} y2={baseline} />
          <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={PLOT.top} y2={PLOT.top} />
          <text x={PLOT.left - 6} y={PLOT.top} dy="0.35em" textAnchor="end">
            {formatCount(top)}
          </text>
          <text x={PLOT.left - 6} y={baseline} dy="0.35em" textAnchor="end">
            0
          </text>
          {days.map((day, index) =>
            // A label a week apart from the 1st: enough to find a day without crowding.
            index % 7 === 0 ? (
              <text key={day.date} x={PLOT.left + slot * (index + 0.5)} y={HEIGHT - 6} textAnchor="middle">
                {shortDayName(day.date)}
              </text>
            ) : null,
          )}
        </g>
        {days.map((day, index) => {
          const height = (day.requests / top) * plotHeight;
          return (
            <rect
              key={day.date}
              className="bar"
              x={PLOT.left + slot * index + slot * 0.15}
              y={baseline - height}
              width={slot * 0.7}
              height={height}
            >
              <title>{`${shortDayName(day.date)}: ${requestsText(day.requests)}`}</title>
            </rect>
          );
        })}
      </svg>
      <details>
        <summary>Requests per day as a table</summary>
        <table className="usage-table">
          <caption className="visually-hidden">Requests per day, {periodName}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Requests</th>
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.date}>
                <th scope="row">{shortDayName(day.date)}</th>
                <td>{formatCount(day.requests)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** What the chart shows, in one sentence: the total and the busiest day. */
function summary(days: DayUsage[]): string {
  const total = days.reduce((sum, day) => sum + day.requests, 0);
  const busiest = days.reduce<DayUsage | null>((best, day) => (best === null || day.requests > best.requests ? day : best), null);
  if (busiest === null || total === 0) return "No requests.";
  return `${requestsText(total)} in all; the busiest day was ${shortDayName(busiest.date)}, with ${requestsText(busiest.requests)}.`;
}

function requestsText(count: number): string {
  return `${formatCount(count)} ${count === 1 ? "request" : "requests"}`;
}

/** The top of the scale: `value` rounded up to 1, 2 or 5 times a power of ten, so the axis reads easily. */
function roundUp(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= value) ?? 10;
  return step * power;
}
