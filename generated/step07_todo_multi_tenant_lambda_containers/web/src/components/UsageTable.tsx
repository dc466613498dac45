// The usage of each of the user's lists in a period, and the totals: what the owner pays for.
import type { UsageReport } from "../usageApi.ts";

interface Props {
  report: UsageReport;
  /** The period's name, e.g. "November 2026". */
  periodName: string;
}

export function UsageTable({ report, periodName }: Props) {
  return (
    <div className="table-scroll">
      <table className="usage-table">
        <caption>Usage per list, {periodName}</caption>
        <thead>
          <tr>
            <th scope="col">List</th>
            <th scope="col">Requests</th>
            <th scope="col">Duration (ms)</th>
            <th scope="col">Read units</th>
            <th scope="col">Write units</th>
            <th scope="col">Stored items</th>
          </tr>
        </thead>
        <tbody>
          {report.lists.map((list) => (
            <tr key={list.listId}>
              <th scope="row">{list.name ?? <span className="deleted-list">Deleted list</span>}</th>
              <td>{formatCount(list.requests)}</td>
              <td>{formatCount(list.durationMs)}</td>
              <td>{formatCount(list.readUnits)}</td>
              <td>{formatCount(list.writeUnits)}</td>
              <td>{formatCount(list.storedItems)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td>{formatCount(report.total.requests)}</td>
            <td>{formatCount(report.total.durationMs)}</td>
            <td>{formatCount(report.total.readUnits)}</td>
            <td>{formatCount(report.total.writeUnits)}</td>
            <td>{formatCount(report.total.storedItems)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

// Capacity units come in halves and tenths; more digits would be noise.
const countFormat = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 });

/** "1,234.5": a count for the page, grouped and with at most two decimals. */
export function formatCount(value: number): string {
  return countFormat.format(value);
}
