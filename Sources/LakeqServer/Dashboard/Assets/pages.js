// The three pages. Each builds its cards once and then `refresh(ctx)` fetches every card's
// numbers from the API and redraws in place (filter changes and live updates alike).
// ctx: { api, state, bounds: {min, max} | null, grain: 'day' | 'hour', isCurrent() }

import { Card, Tiles, PALETTE, PRIMARY, SECONDARY, valueAxis, categoryAxis } from './cards.js';
import { fmt } from './format.js';
import { filterParams, format as urlOf, queryText } from './state.js';

const HISTOGRAM_BINS = 10;

/** Fetches `path?params` for `card` and hands the answer to `draw`; errors show on the card. */
async function fill(card, ctx, path, params, draw) {
  card.loading();
  const source = `${path}?${queryText(params)}`;
  try {
    const body = await ctx.api.get(path, params);
    if (!ctx.isCurrent()) return;
    draw(body, source);
    card.done();
  } catch (e) {
    if (ctx.isCurrent()) card.fail(e);
  }
}

function grid(main) {
  const g = document.createElement('div');
  g.className = 'grid';
  main.appendChild(g);
  return g;
}

function heading(main, text, sub) {
  const h = document.createElement('div');
  h.className = 'page-head';
  h.innerHTML = '<h1></h1><p class="sub"></p>';
  h.querySelector('h1').textContent = text;
  h.querySelector('.sub').textContent = sub || '';
  main.appendChild(h);
  return h;
}

function timeLabel(grain) {
  return grain === 'hour' ? fmt.hour : fmt.day;
}

const shortName = (n) => (n.length > 26 ? `${n.slice(0, 25)}…` : n);

// Column sets for table views and CSV.
const C = {
  events: { key: 'events', label: 'Events', numeric: true, format: fmt.int },
  users: { key: 'users', label: 'Distinct users', numeric: true, format: fmt.int },
  avgWatch: { key: 'avg_watch', label: 'Avg watch', numeric: true, format: fmt.minutes },
  completion: { key: 'completion_rate', label: 'Completion', numeric: true, format: fmt.pct },
};

/** Events (bars, left axis) and active users (line, right axis) per day or hour. */
function drawTimeline(card, ctx, body, source) {
  const key = ctx.grain;
  const label = timeLabel(key);
  card.setSubtitle(key === 'hour' ? 'per hour (ranges of 3 days or less)' : 'per day');
  card.setData({
    columns: [{ key, label: key === 'hour' ? 'Hour' : 'Day' }, C.events, { ...C.users, label: key === 'hour' ? 'Active users (hour)' : 'Daily active users' }, C.avgWatch, C.completion],
    rows: body.rows, source, series: 2,
  });
  card.draw({
    type: 'bar',
    data: {
      labels: body.rows.map((r) => r[key]),
      datasets: [
        { type: 'bar', label: 'Events', data: body.rows.map((r) => r.events), backgroundColor: PRIMARY, yAxisID: 'y', order: 2 },
        {
          type: 'line', label: key === 'hour' ? 'Hourly active users' : 'Daily active users', data: body.rows.map((r) => r.users),
          borderColor: SECONDARY, backgroundColor: SECONDARY, pointRadius: body.rows.length > 60 ? 0 : 2.5, pointHitRadius: 6,
          borderWidth: 2, yAxisID: 'y1', order: 1, tension: 0.25,
        },
      ],
    },
    options: {
      scales: {
        x: categoryAxis(label, { ticks: { autoSkip: true, maxRotation: 0, maxTicksLimit: 10, callback(v) { return label(this.getLabelForValue(v)); } } }),
        y: valueAxis(fmt.compact, { title: { display: true, text: 'events' } }, { counts: true }),
        y1: valueAxis(fmt.compact, { position: 'right', grid: { display: false }, title: { display: true, text: 'active users' } }, { counts: true }),
      },
      plugins: {
        legend: { position: 'top', align: 'end' },
        tooltip: { callbacks: { title: (items) => label(items[0].label), label: (i) => `${i.dataset.label}: ${fmt.int(i.raw)}` } },
      },
    },
  }, { label: `Events and active users ${key === 'hour' ? 'per hour' : 'per day'}` });
}

/** A single-series bar chart over `rows` keyed by `key`. */
function drawBars(card, rows, { key, value, format, tooltip = fmt.int, color = PRIMARY, horizontal = false, tickFormat, onPick, labelAll = false, max }) {
  card.draw({
    type: 'bar',
    data: {
      labels: rows.map((r) => r[key]),
      datasets: [{ label: card.o.title, data: rows.map((r) => r[value]), backgroundColor: color, borderRadius: 2, maxBarThickness: 48 }],
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      scales: horizontal
        ? { x: valueAxis(format, max ? { max } : {}, { counts: format === fmt.compact }), y: categoryAxis(tickFormat, { ticks: { autoSkip: false, callback(v) { const l = this.getLabelForValue(v); return tickFormat ? tickFormat(l) : l; } } }) }
        : { x: categoryAxis(tickFormat, labelAll ? { ticks: { autoSkip: false, maxRotation: 0, font: { size: 11 }, callback(v) { return this.getLabelForValue(v); } } } : {}), y: valueAxis(format, max ? { max } : {}, { counts: format === fmt.compact }) },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (i) => tooltip(i.raw) } },
      },
      onClick: onPick ? (_e, elements) => { if (elements.length) onPick(rows[elements[0].index]); } : undefined,
      onHover: onPick ? (e, elements) => { e.native.target.style.cursor = elements.length ? 'pointer' : 'default'; } : undefined,
    },
  }, { label: `${card.o.title}: ${rows.length} bars` });
}

/** A doughnut of `value` per `key`. */
function drawDoughnut(card, rows, { key, value }) {
  const total = rows.reduce((s, r) => s + r[value], 0) || 1;
  card.draw({
    type: 'doughnut',
    data: {
      labels: rows.map((r) => r[key]),
      datasets: [{ data: rows.map((r) => r[value]), backgroundColor: rows.map((_, i) => PALETTE[i % PALETTE.length]), borderColor: '#fff', borderWidth: 2 }],
    },
    options: {
      cutout: '55%',
      plugins: {
        legend: { position: 'right', labels: { generateLabels: (chart) => chart.data.labels.map((l, i) => ({
          text: `${l}  ${fmt.pct(rows[i][value] / total)}`, fillStyle: PALETTE[i % PALETTE.length], strokeStyle: '#fff', index: i, hidden: !chart.getDataVisibility(i),
        })) } },
        tooltip: { callbacks: { label: (i) => `${i.label}: ${fmt.int(i.raw)} (${fmt.pct(i.raw / total)})` } },
      },
    },
  }, { label: `${card.o.title}: ${rows.length} slices` });
}

function showLink(ctx, name) {
  return urlOf({ ...ctx.state, page: 'show', show: name });
}

// ---------------------------------------------------------------- Overview

export function overview(main, nav) {
  heading(main, 'Viewing overview', 'Events, users and engagement under the filters above.');
  const g = grid(main);
  const tiles = new Tiles(g, 'tiles', [
    { key: 'events', label: 'Events' },
    { key: 'users', label: 'Distinct users' },
    { key: 'avg_watch', label: 'Average watch', hint: 'per session' },
    { key: 'completion', label: 'Completion rate', hint: 'sessions watched ≥ 90%' },
    { key: 'quarantine', label: 'Quarantine rate', hint: 'of ingested rows' },
  ]);
  const timeline = new Card(g, { id: 'timeline', title: 'Events and active users', span: 8, height: 270 });
  const top = new Card(g, { id: 'top-shows', title: 'Top shows', subtitle: 'by views · click a bar for the show', span: 4, height: 270 });
  const devices = new Card(g, { id: 'devices', title: 'Devices', subtitle: 'events per device', span: 4, height: 210 });
  const completion = new Card(g, { id: 'completion-by-device', title: 'Completion rate by device', subtitle: 'share of sessions completed', span: 4, height: 210 });
  const types = new Card(g, { id: 'show-types', title: 'Show-type mix', subtitle: 'share of events', span: 4, height: 210 });
  const countries = new Card(g, { id: 'countries', title: 'Countries', subtitle: 'events per country, most first', span: 8, height: 230 });
  const histogram = new Card(g, { id: 'watch-fraction', title: 'Watch fraction', subtitle: 'sessions by share of the title watched', span: 4, height: 230 });

  return {
    title: 'Overview',
    refresh(ctx) {
      const f = filterParams(ctx.state);
      const by = (b) => { const q = new URLSearchParams(f); q.set('by', b); return q; };
      const jobs = [];

      tiles.loading();
      jobs.push((async () => {
        try {
          const [s, quality] = await Promise.all([
            ctx.api.get('/v1/analytics/summary', f),
            ctx.api.get('/v1/analytics/quality', filterParams(ctx.state, { only: ['from', 'to'] })),
          ]);
          if (!ctx.isCurrent()) return;
          const row = s.rows[0] || {};
          tiles.set('events', fmt.int(row.events));
          tiles.set('users', fmt.int(row.users));
          tiles.set('avg_watch', fmt.minutes(row.avg_watch));
          tiles.set('completion', fmt.pct(row.completion_rate));
          const all = quality.good_rows + quality.quarantined_rows;
          tiles.set('quarantine', all ? fmt.pct(quality.quarantined_rows / all) : '—',
            all ? `${fmt.int(quality.quarantined_rows)} of ${fmt.int(all)} ingested rows` : 'no ingests in range');
          tiles.done();
        } catch (e) {
          if (ctx.isCurrent()) tiles.fail(e);
        }
      })());

      jobs.push(fill(timeline, ctx, '/v1/analytics/engagement', by(ctx.grain), (body, source) => drawTimeline(timeline, ctx, body, source)));

      const topParams = new URLSearchParams(f);
      topParams.set('limit', '10');
      jobs.push(fill(top, ctx, '/v1/analytics/top-shows', topParams, (body, source) => {
        top.setData({
          columns: [{ key: 'show', label: 'Show', link: (r) => showLink(ctx, r.show) }, { key: 'views', label: 'Views', numeric: true, format: fmt.int },
            { key: 'watch_minutes', label: 'Watch minutes', numeric: true, format: fmt.int }, C.avgWatch, C.completion],
          rows: body.rows, source,
        });
        drawBars(top, body.rows, { key: 'show', value: 'views', format: fmt.compact, horizontal: true, tickFormat: shortName,
          onPick: (r) => nav(showLink(ctx, r.show)) });
      }));

      jobs.push(fill(devices, ctx, '/v1/analytics/engagement', by('device'), (body, source) => {
        const rows = [...body.rows].sort((a, b) => b.events - a.events);
        devices.setData({ columns: [{ key: 'device', label: 'Device' }, C.events, C.users, C.avgWatch, C.completion], rows, source });
        drawBars(devices, rows, { key: 'device', value: 'events', format: fmt.compact, labelAll: true });
        completion.setData({ columns: [{ key: 'device', label: 'Device' }, C.completion, C.events], rows, source });
        drawBars(completion, rows, { key: 'device', value: 'completion_rate', format: fmt.pctShort, tooltip: fmt.pct, color: PALETTE[2], labelAll: true });
        completion.done();
      }));
      completion.loading();

      jobs.push(fill(types, ctx, '/v1/analytics/engagement', by('show_type'), (body, source) => {
        const rows = [...body.rows].sort((a, b) => b.events - a.events);
        types.setData({ columns: [{ key: 'show_type', label: 'Show type' }, C.events, C.users, C.avgWatch, C.completion], rows, source });
        drawDoughnut(types, rows, { key: 'show_type', value: 'events' });
      }));

      jobs.push(fill(countries, ctx, '/v1/analytics/engagement', by('country'), (body, source) => {
        const rows = [...body.rows].sort((a, b) => b.events - a.events || (a.country < b.country ? -1 : 1));
        countries.setData({ columns: [{ key: 'country', label: 'Country' }, C.events, C.users, C.avgWatch, C.completion], rows, source });
        drawBars(countries, rows, { key: 'country', value: 'events', format: fmt.compact, labelAll: rows.length <= 48 });
      }));

      const hist = new URLSearchParams(f);
      hist.set('bins', String(HISTOGRAM_BINS));
      jobs.push(fill(histogram, ctx, '/v1/analytics/watch-fraction', hist, (body, source) => {
        const rows = body.rows.map((r) => ({ ...r, range: binLabel(r.bin, HISTOGRAM_BINS) }));
        histogram.setData({ columns: [{ key: 'bin', label: 'Bin' }, { key: 'range', label: 'Watched' }, C.events], rows, source });
        drawBars(histogram, rows, { key: 'range', value: 'events', format: fmt.compact, color: PALETTE[4] });
      }));
      return Promise.all(jobs).then(() => { if (ctx.isCurrent() && completion.el.dataset.state === 'loading') completion.done(); });
    },
  };
}

function binLabel(bin, bins) {
  const lo = Math.round((bin * 100) / bins);
  const hi = Math.round(((bin + 1) * 100) / bins);
  return `${lo}–${hi}%`;
}

// ---------------------------------------------------------------- Show

export function show(main, nav, state) {
  if (!state.show) {
    heading(main, 'Show', 'Pick a show: search above, or choose one of the most watched under the filters.');
    const g = grid(main);
    const list = new Card(g, { id: 'show-picker', title: 'Most watched shows', kind: 'table', span: 12 });
    return {
      title: 'Show',
      refresh(ctx) {
        const q = filterParams(ctx.state, { omit: ['show'] });
        q.set('limit', '25');
        return fill(list, ctx, '/v1/analytics/top-shows', q, (body, source) => {
          list.setData({
            columns: [{ key: 'show', label: 'Show', link: (r) => showLink(ctx, r.show) }, { key: 'views', label: 'Views', numeric: true, format: fmt.int },
              C.avgWatch, C.completion],
            rows: body.rows, source,
          });
        });
      },
    };
  }

  const head = heading(main, state.show, '');
  const g = grid(main);
  const tiles = new Tiles(g, 'tiles', [
    { key: 'events', label: 'Events' },
    { key: 'users', label: 'Distinct users' },
    { key: 'avg_watch', label: 'Average watch', hint: 'per session' },
    { key: 'completion', label: 'Completion rate', hint: 'sessions watched ≥ 90%' },
  ]);
  const trend = new Card(g, { id: 'show-trend', title: 'Trend', span: 8, height: 250 });
  const devices = new Card(g, { id: 'show-devices', title: 'Devices', subtitle: 'events per device', span: 4, height: 250 });
  const episodes = new Card(g, { id: 'episodes', title: 'Seasons and episodes', subtitle: 'events per episode, coloured by season', span: 12, height: 230 });
  const countries = new Card(g, { id: 'show-countries', title: 'Countries', subtitle: 'events per country, most first', span: 12, height: 220 });

  return {
    title: state.show,
    refresh(ctx) {
      const f = filterParams(ctx.state);
      const by = (b) => { const q = new URLSearchParams(f); q.set('by', b); return q; };
      const jobs = [];
      tiles.loading();
      jobs.push((async () => {
        try {
          const found = new URLSearchParams(filterParams(ctx.state, { omit: ['show'] }));
          found.set('q', ctx.state.show);
          found.set('limit', '50');
          const [s, meta] = await Promise.all([ctx.api.get('/v1/analytics/summary', f), ctx.api.get('/v1/analytics/shows', found)]);
          if (!ctx.isCurrent()) return;
          const row = s.rows[0] || {};
          tiles.set('events', fmt.int(row.events));
          tiles.set('users', fmt.int(row.users));
          tiles.set('avg_watch', fmt.minutes(row.avg_watch));
          tiles.set('completion', fmt.pct(row.completion_rate));
          const info = meta.rows.find((r) => r.show === ctx.state.show);
          head.querySelector('.sub').textContent = info ? `${info.show_type} · ${info.genre}` : 'No events match the filters.';
          tiles.done();
        } catch (e) {
          if (ctx.isCurrent()) tiles.fail(e);
        }
      })());

      jobs.push(fill(trend, ctx, '/v1/analytics/engagement', by(ctx.grain), (body, source) => drawTimeline(trend, ctx, body, source)));

      jobs.push(fill(episodes, ctx, '/v1/analytics/episodes', f, (body, source) => {
        const rows = body.rows.map((r) => ({ ...r, label: r.season == null ? 'whole title' : `S${r.season} E${r.episode ?? '–'}` }));
        const seasons = [...new Set(rows.map((r) => r.season))];
        const colour = (s) => PALETTE[seasons.indexOf(s) % PALETTE.length];
        episodes.setSubtitle(rows.length === 1 && rows[0].season == null ? 'not a series: no seasons or episodes'
          : `${seasons.length} season${seasons.length === 1 ? '' : 's'}, ${rows.length} episodes · events per episode, coloured by season`);
        episodes.setData({
          columns: [{ key: 'season', label: 'Season', numeric: true }, { key: 'episode', label: 'Episode', numeric: true }, C.events, C.users, C.avgWatch, C.completion],
          rows, source,
        });
        drawBars(episodes, rows, { key: 'label', value: 'events', format: fmt.compact, color: rows.map((r) => colour(r.season)) });
      }));

      jobs.push(fill(devices, ctx, '/v1/analytics/engagement', by('device'), (body, source) => {
        const rows = [...body.rows].sort((a, b) => b.events - a.events);
        devices.setData({ columns: [{ key: 'device', label: 'Device' }, C.events, C.users, C.avgWatch, C.completion], rows, source });
        drawBars(devices, rows, { key: 'device', value: 'events', format: fmt.compact, labelAll: true });
      }));

      jobs.push(fill(countries, ctx, '/v1/analytics/engagement', by('country'), (body, source) => {
        const rows = [...body.rows].sort((a, b) => b.events - a.events || (a.country < b.country ? -1 : 1));
        countries.setData({ columns: [{ key: 'country', label: 'Country' }, C.events, C.users, C.avgWatch, C.completion], rows, source });
        drawBars(countries, rows, { key: 'country', value: 'events', format: fmt.compact, labelAll: rows.length <= 48 });
      }));
      return Promise.all(jobs);
    },
  };
}

// ---------------------------------------------------------------- Data quality

export function quality(main) {
  heading(main, 'Data quality', 'Rows set aside by ingest and event intake, by reason. Dates here are ingest (commit) days; only the date range applies.');
  const g = grid(main);
  const tiles = new Tiles(g, 'tiles', [
    { key: 'good', label: 'Good rows', hint: 'committed to the table' },
    { key: 'bad', label: 'Quarantined rows', hint: 'set aside with reasons' },
    { key: 'share', label: 'Share of good rows' },
    { key: 'kinds', label: 'Reasons seen' },
  ]);
  const overTime = new Card(g, { id: 'quarantine-over-time', title: 'Quarantined rows by reason', subtitle: 'per ingest day', span: 5, height: 200 });
  const kinds = new Card(g, { id: 'quarantine-kinds', title: 'Reasons', subtitle: 'quarantined rows per reason', span: 3, height: 200 });
  const share = new Card(g, { id: 'good-share', title: 'Share of good rows', subtitle: 'per ingest day', span: 4, height: 200 });
  const bad = new Card(g, { id: 'bad-rows', title: 'Latest bad rows', subtitle: 'newest commits first, with their raw text and reasons', kind: 'table', span: 12 });

  return {
    title: 'Data quality',
    refresh(ctx) {
      const f = filterParams(ctx.state, { only: ['from', 'to'] });
      const jobs = [];
      tiles.loading();
      overTime.loading();
      kinds.loading();
      share.loading();
      jobs.push((async () => {
        let body;
        try {
          body = await ctx.api.get('/v1/analytics/quality', f);
        } catch (e) {
          if (ctx.isCurrent()) [tiles, overTime, kinds, share].forEach((c) => c.fail(e));
          return;
        }
        if (!ctx.isCurrent()) return;
        const source = `/v1/analytics/quality?${queryText(f)}`;
        tiles.set('good', fmt.int(body.good_rows));
        tiles.set('bad', fmt.int(body.quarantined_rows));
        tiles.set('share', body.score == null ? '—' : fmt.pct(body.score));
        tiles.set('kinds', fmt.int(body.by_kind.length));
        tiles.done();

        const days = [...new Set(body.by_day_kind.map((r) => r.day))].sort();
        const kindNames = body.by_kind.map((k) => k.kind);
        overTime.setData({ columns: [{ key: 'day', label: 'Day' }, { key: 'kind', label: 'Reason' }, { key: 'rows', label: 'Rows', numeric: true, format: fmt.int }],
          rows: body.by_day_kind, source, rowsPath: 'by_day_kind' });
        overTime.draw({
          type: 'bar',
          data: {
            labels: days,
            datasets: kindNames.map((kind, i) => ({
              label: kind,
              data: days.map((d) => body.by_day_kind.find((r) => r.day === d && r.kind === kind)?.rows ?? null),
              backgroundColor: PALETTE[i % PALETTE.length],
              maxBarThickness: 56,
            })),
          },
          options: {
            scales: { x: categoryAxis(fmt.day, { stacked: true }), y: valueAxis(fmt.compact, { stacked: true }, { counts: true }) },
            plugins: { legend: { position: 'top', align: 'end' }, tooltip: { callbacks: { title: (items) => fmt.day(items[0].label), label: (i) => `${i.dataset.label}: ${fmt.int(i.raw)}` } } },
          },
        }, { label: 'Quarantined rows by reason per day' });
        overTime.done();

        kinds.setData({ columns: [{ key: 'kind', label: 'Reason' }, { key: 'rows', label: 'Rows', numeric: true, format: fmt.int }], rows: body.by_kind, source, rowsPath: 'by_kind' });
        drawBars(kinds, body.by_kind, { key: 'kind', value: 'rows', format: fmt.compact, horizontal: true, color: body.by_kind.map((_, i) => PALETTE[i % PALETTE.length]) });
        kinds.done();

        share.setData({
          columns: [{ key: 'day', label: 'Day' }, { key: 'good_rows', label: 'Good rows', numeric: true, format: fmt.int },
            { key: 'quarantined_rows', label: 'Quarantined rows', numeric: true, format: fmt.int }, { key: 'score', label: 'Share good', numeric: true, format: fmt.pct }],
          rows: body.by_day, source, rowsPath: 'by_day',
        });
        const scores = body.by_day.map((r) => r.score);
        const low = Math.min(1, ...scores.filter((s) => s != null));
        share.draw({
          type: 'line',
          data: { labels: body.by_day.map((r) => r.day), datasets: [{ label: 'Share of good rows', data: scores, borderColor: PALETTE[2], backgroundColor: PALETTE[2], pointRadius: 3, borderWidth: 2 }] },
          options: {
            scales: { x: categoryAxis(fmt.day, { offset: true }), y: valueAxis(fmt.pct, { beginAtZero: false, min: Math.max(0, Math.floor((low - 0.01) * 100) / 100), max: 1 }) },
            plugins: { legend: { display: false }, tooltip: { callbacks: { title: (items) => fmt.day(items[0].label), label: (i) => fmt.pct(i.raw) } } },
          },
        }, { label: 'Share of good rows per day' });
        share.done();
      })());

      const q = new URLSearchParams(f);
      q.set('limit', '50');
      jobs.push(fill(bad, ctx, `/v1/tables/${encodeURIComponent(ctx.table)}/quarantine`, q, (body, source) => {
        bad.setData({
          columns: [
            { key: 'version', label: 'Version', numeric: true },
            { key: 'committed_at', label: 'Committed', format: fmt.stamp },
            { key: 'source', label: 'Source', className: 'source' },
            { key: 'line', label: 'Line', numeric: true },
            { key: 'kind', label: 'Reason', className: 'kind' },
            { key: 'reasons', label: 'Details', className: 'details', format: (v) => (Array.isArray(v) ? v.join('; ') : v ?? '') },
            { key: 'raw', label: 'Raw text', className: 'raw', format: (v, r) => (v == null ? (r.raw_redacted ? '(hidden: PII)' : '') : v) },
          ],
          rows: body.rows, source,
          note: body.rows.length === 0 ? 'No quarantined rows in this range.' : '',
        });
      }));
      return Promise.all(jobs);
    },
  };
}
