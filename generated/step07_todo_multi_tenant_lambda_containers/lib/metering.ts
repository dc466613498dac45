// Per-tenant metering, the operator's view: a CloudWatch dashboard of the API's per-tenant metrics
// and saved Logs Insights queries over the same request records. The API writes each request as
// one Embedded Metric Format (EMF) line on stdout; CloudWatch turns its numbers into metrics with
// the dimensions `ListId` (the tenant) and `Owner` (who owns the list and pays for it), and keeps
// the line itself, with its route, method and status, in the Lambda's log group.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface MeteringProps {
  /** The namespace the API writes its metrics to (env `METRICS_NAMESPACE`). */
  readonly namespace: string;
  /** The API Lambda's log group, where its EMF lines land. */
  readonly apiLogGroup: logs.ILogGroup;
  /** The event consumers' dead-letter alarms: usage rolls up through them. */
  readonly deadLetterAlarms: cloudwatch.IAlarm[];
}

/** The dashboard's graphs plot one point per 5 minutes. */
const PERIOD = Duration.minutes(5);
/** The "top" tables rank tenants by their total over the dashboard's time range. */
const TOP = 10;

export class Metering extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** Opens the dashboard in the CloudWatch console. */
  readonly dashboardUrl: string;

  constructor(scope: Construct, id: string, props: MeteringProps) {
    super(scope, id);
    const stack = Stack.of(this);

    /**
     * Every series of `metric` whose dimensions are exactly `dimensions`: SEARCH finds each
     * tenant's series as it appears, so the dashboard never lists tenants by name. An empty label
     * lets each series be named by its dimension values.
     */
    const search = (dimensions: string, metric: string, statistic: string, label = '') =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{"${props.namespace}",${dimensions}} MetricName="${metric}"', '${statistic}')`,
        usingMetrics: {},
        label,
        period: PERIOD,
      });
    const perList = (metric: string, statistic: string, label?: string) =>
      search('Owner,ListId', metric, statistic, label);
    const perOwner = (metric: string, statistic: string) => search('Owner', metric, statistic);
    const top = (series: cloudwatch.MathExpression) =>
      new cloudwatch.MathExpression({
        expression: `SORT(${series.expression}, SUM, DESC, ${TOP})`,
        usingMetrics: {},
        label: '',
        period: Duration.hours(1),
      });
    const graph = (title: string, left: cloudwatch.IMetric[], leftYAxis?: cloudwatch.YAxisProps) =>
      new cloudwatch.GraphWidget({ title, left, leftYAxis, width: 12, height: 6 });
    const table = (title: string, metric: cloudwatch.IMetric) =>
      new cloudwatch.TableWidget({
        title,
        metrics: [metric],
        summary: { columns: [cloudwatch.TableSummaryColumn.SUM], hideNonSummaryColumns: true },
        width: 8,
        height: 6,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-by-tenant`,
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: [
              '## Usage by tenant',
              'Each API request is metered once: `ListId` is the tenant (a list), `Owner` the user who owns it.',
              "Per-owner series also count requests that name no list (`GET /lists`, `GET /usage`); a member's",
              "requests count for the list's owner. The saved Logs Insights queries break the same records down by route.",
            ].join('\n'),
            width: 24,
            height: 3,
          }),
        ],
        [
          graph('Requests per list', [perList('Requests', 'Sum')]),
          graph('Requests per owner', [perOwner('Requests', 'Sum')]),
        ],
        [
          graph('Duration per list (ms), p50 and p90', [perList('Duration', 'p50', 'p50'), perList('Duration', 'p90', 'p90')]),
          graph('DynamoDB capacity units per list', [
            perList('ReadCapacityUnits', 'Sum', 'read'),
            perList('WriteCapacityUnits', 'Sum', 'write'),
          ]),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Stored items per list',
            left: [perList('StoredItems', 'Maximum')],
            width: 8,
            height: 6,
          }),
          table(`Top ${TOP} lists by requests`, top(perList('Requests', 'Sum'))),
          table(`Top ${TOP} owners by requests`, top(perOwner('Requests', 'Sum'))),
        ],
        [
          // The owners' roll-ups are written by a consumer of the API's events: an event in a
          // dead-letter queue is usage (or a list's table) that is missing until it is redriven.
          new cloudwatch.AlarmStatusWidget({
            title: 'Events in dead-letter queues',
            alarms: props.deadLetterAlarms,
            width: 24,
            height: 3,
          }),
        ],
      ],
    });
    this.dashboardUrl =
      `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}` +
      `#dashboards/dashboard/${this.dashboard.dashboardName}`;

    this.addQueries(`${stack.stackName}/`, props.apiLogGroup);
  }

  /**
   * Saved Logs Insights queries, listed in the console under the stack's name. They read the EMF
   * lines themselves (the only log lines with `Requests`), so they can group by fields that are
   * not metric dimensions: the route, the method and the status.
   */
  private addQueries(folder: string, logGroup: logs.ILogGroup): void {
    const emfLines = 'ispresent(Requests)';
    const usage =
      'sum(Requests) as requests, sum(ReadCapacityUnits) as readUnits, sum(WriteCapacityUnits) as writeUnits, ' +
      'avg(Duration) as avgMs';
    const queries: Record<string, { name: string; query: logs.QueryStringProps }> = {
      PerList: {
        name: 'Requests and capacity per list',
        query: {
          filterStatements: [emfLines, 'ispresent(ListId)'],
          statsStatements: [`${usage}, max(StoredItems) as storedItems by Owner, ListId`],
          sort: 'requests desc',
          limit: 100,
        },
      },
      PerOwner: {
        name: 'Requests and capacity per owner',
        query: {
          filterStatements: [emfLines],
          statsStatements: [`${usage}, count_distinct(ListId) as lists by Owner`],
          sort: 'requests desc',
          limit: 100,
        },
      },
      SlowestRoutes: {
        name: 'Slowest routes per tenant',
        query: {
          filterStatements: [emfLines],
          statsStatements: [
            'count(*) as requests, pct(Duration, 50) as p50Ms, pct(Duration, 90) as p90Ms, max(Duration) as maxMs ' +
              'by ListId, method, route',
          ],
          sort: 'p90Ms desc',
          limit: 25,
        },
      },
      FailedRequests: {
        name: 'Failed requests per tenant',
        query: {
          filterStatements: [emfLines, 'status >= 400'],
          statsStatements: ['count(*) as failures by Owner, ListId, method, route, status'],
          sort: 'failures desc',
          limit: 50,
        },
      },
    };
    for (const [id, { name, query }] of Object.entries(queries)) {
      new logs.QueryDefinition(this, id, {
        queryDefinitionName: folder + name,
        queryString: new logs.QueryString(query),
        logGroups: [logGroup],
      });
    }
  }
}
