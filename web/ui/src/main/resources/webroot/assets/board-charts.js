// The supervisor board's charts (Apache ECharts, loaded by supervisor.html as the global `echarts`): per queue
// over today the tickets waiting and the longest wait, the service level of the day, and one queue's clerks by
// state as a stacked area. The series are the server's minute samples (`GET /api/supervisor/today`) with the
// live board's figures as their last point, so a chart moves with every push between two samples.

import { t } from './i18n.js';

const CLERK_STATES = [
  ['available', 'available', '#4caf6e'],
  ['busy', 'busy', '#4f7fd6'],
  ['wrapUp', 'wrap_up', '#e0b43c'],
  ['away', 'away', '#a0a6ad'],
];

export class BoardCharts {
  constructor(elements) {
    this.elements = elements; // { waiting, longest, service, clerks }
    this.charts = {};
    for (const [name, el] of Object.entries(elements)) {
      this.charts[name] = globalThis.echarts.init(el, null, { renderer: 'canvas' });
    }
    this.resizer = new ResizeObserver(() => Object.values(this.charts).forEach((c) => c.resize()));
    Object.values(elements).forEach((el) => this.resizer.observe(el));
  }

  /**
   * Draws the day: {@code today} the server's report (may be null before it came), {@code board} the live
   * board (may be null), {@code names} (hallId, matterId) → the queue's label, {@code clerksQueue} the key
   * ({@code hall|matter}) of the queue whose clerks are shown.
   */
  render(today, board, names, clerksQueue) {
    const queues = mergeQueues(today, board);
    const time = (name, values) => ({
      name,
      type: 'line',
      showSymbol: false,
      smooth: false,
      data: values,
    });
    const common = {
      animation: false,
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0, textStyle: { fontSize: 11 } },
      xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
    };
    this.charts.waiting.setOption(
      {
        ...common,
        yAxis: { type: 'value', minInterval: 1 },
        series: queues.map((q) => time(names(q), q.points.map((p) => [p.at, p.waiting]))),
      },
      { notMerge: true },
    );
    this.charts.longest.setOption(
      {
        ...common,
        yAxis: { type: 'value' },
        series: queues.map((q) =>
          time(names(q), q.points.map((p) => [p.at, Math.round((p.longestWaitSeconds / 60) * 10) / 10])),
        ),
      },
      { notMerge: true },
    );
    const served = queues.filter((q) => q.serviceLevel != null);
    this.charts.service.setOption(
      {
        animation: false,
        grid: { left: 48, right: 16, top: 16, bottom: 28, containLabel: true },
        tooltip: {
          trigger: 'axis',
          formatter: (items) =>
            items
              .map((i) => `${escapeHtml(i.name)}<br>${i.value}% · ${t('chart.takes', { n: served[i.dataIndex].takes })}`)
              .join('<br>'),
        },
        xAxis: { type: 'value', max: 100 },
        yAxis: { type: 'category', data: served.map(names), axisLabel: { width: 220, overflow: 'truncate' } },
        series: [
          {
            type: 'bar',
            data: served.map((q) => ({
              value: Math.round(q.serviceLevel * 1000) / 10,
              itemStyle: { color: q.serviceLevel < 0.8 ? '#b3261e' : '#1b6e20' },
            })),
            label: { show: true, position: 'right', formatter: '{c}%' },
          },
        ],
        graphic: served.length ? [] : [{ type: 'text', left: 'center', top: 'middle', style: { text: t('chart.noData'), fill: '#3a4048' } }],
      },
      { notMerge: true },
    );
    const shown = queues.find((q) => q.key === clerksQueue) ?? queues[0];
    this.charts.clerks.setOption(
      {
        ...common,
        yAxis: { type: 'value', minInterval: 1 },
        series: CLERK_STATES.map(([field, status, color]) => ({
          name: t(`status.${status}`),
          type: 'line',
          stack: 'clerks',
          areaStyle: {},
          showSymbol: false,
          color,
          data: (shown?.points ?? []).map((p) => [p.at, p[field]]),
        })),
      },
      { notMerge: true },
    );
  }

  /** For tests: each chart's series and how many points they hold. */
  summary() {
    const out = {};
    for (const [name, chart] of Object.entries(this.charts)) {
      const series = chart.getOption().series ?? [];
      out[name] = { series: series.length, points: series.reduce((n, s) => n + (s.data?.length ?? 0), 0) };
    }
    return out;
  }
}

/** Every queue of the report and of the board, with the report's samples and the board's live point last. */
export function mergeQueues(today, board) {
  const byKey = new Map();
  const entry = (hallId, matterId) => {
    const key = `${hallId}|${matterId}`;
    if (!byKey.has(key)) byKey.set(key, { key, hallId, matterId, points: [], serviceLevel: null, takes: 0 });
    return byKey.get(key);
  };
  for (const q of today?.queues ?? []) {
    const e = entry(q.hallId, q.matterId);
    e.serviceLevel = q.serviceLevel;
    e.takes = q.takes;
    e.thresholdSeconds = q.thresholdSeconds;
    const s = q.samples;
    for (let i = 0; i < s.at.length; i++) {
      e.points.push({
        at: s.at[i],
        waiting: s.waiting[i],
        longestWaitSeconds: s.longestWaitSeconds[i],
        available: s.available[i],
        busy: s.busy[i],
        wrapUp: s.wrapUp[i],
        away: s.away[i],
      });
    }
  }
  for (const q of board?.queues ?? []) {
    const e = entry(q.hallId, q.matterId);
    const last = e.points[e.points.length - 1];
    if (!last || last.at < board.at) {
      e.points.push({
        at: board.at,
        waiting: q.waiting,
        longestWaitSeconds: q.waiting > 0 ? q.longestWaitSeconds : 0,
        available: q.available,
        busy: q.busy,
        wrapUp: q.wrapUp,
        away: q.away,
      });
    }
  }
  return [...byKey.values()];
}

/** ECharts puts a custom tooltip's text into the page as HTML: names from the reference data are escaped. */
function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
