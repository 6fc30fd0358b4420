// Cards: a titled box holding a chart (Chart.js), a table or a tile row, with buttons to show
// the chart's numbers as a table and download them as CSV.
//
// Each chart card records for tests and for the page-speed benchmark what it drew:
//   data-source     the API URL its rows came from
//   data-rows-path  where the rows are in that answer ("rows", "by_day_kind", …)
//   data-series     values drawn per row (2 when a row gives two series)
//   data-drawn      bars, points or slices Chart.js laid out (non-null values of visible datasets)
//   data-state      loading | ready | error

import { cellText } from './format.js';

/** Okabe–Ito: distinguishable with every common colour-vision deficiency (yellow last: low contrast on white). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#999999', '#F0E442'];
export const PRIMARY = PALETTE[0];
export const SECONDARY = PALETTE[1];

const Chart = () => window.Chart;
let defaultsSet = false;

function setDefaults() {
  if (defaultsSet) return;
  defaultsSet = true;
  const c = Chart();
  c.defaults.font.family = getComputedStyle(document.body).fontFamily;
  c.defaults.font.size = 12;
  c.defaults.color = '#3c4350';
  c.defaults.borderColor = '#e3e6eb';
  c.defaults.animation = false; // drawn at once: live updates stay calm, tests see final counts
  c.defaults.responsive = true;
  c.defaults.maintainAspectRatio = false;
  c.defaults.plugins.legend.labels.boxWidth = 12;
  c.defaults.plugins.tooltip.mode = 'index';
  c.defaults.plugins.tooltip.intersect = false;
}

let nextID = 0;

export class Card {
  /**
   * @param parent  the grid to add to
   * @param o       { id, title, subtitle, span (grid columns of 12), height (px), kind: 'chart'|'table' }
   */
  constructor(parent, o) {
    this.o = o;
    this.el = document.createElement('section');
    this.el.className = `card span-${o.span || 6}`;
    this.el.id = `card-${o.id}`;
    const titleID = `t-${o.id}-${nextID++}`;
    this.el.setAttribute('aria-labelledby', titleID);
    this.el.innerHTML = `
      <header class="card-head">
        <div><h2 id="${titleID}"></h2><p class="sub"></p></div>
        <div class="card-actions">
          <button type="button" class="ghost small" data-act="table" aria-pressed="false">Table</button>
          <button type="button" class="ghost small" data-act="csv">CSV</button>
        </div>
      </header>
      <div class="card-body"><div class="chart-box"><canvas role="img"></canvas></div><div class="table-box" hidden></div></div>
      <p class="card-msg" hidden></p>`;
    this.el.querySelector('h2').textContent = o.title;
    this.el.querySelector('.sub').textContent = o.subtitle || '';
    this.chartBox = this.el.querySelector('.chart-box');
    this.tableBox = this.el.querySelector('.table-box');
    this.msg = this.el.querySelector('.card-msg');
    if (o.kind === 'table') {
      this.chartBox.remove();
      this.chartBox = null;
      this.tableBox.hidden = false;
      this.el.querySelector('[data-act="table"]').remove();
    } else {
      this.chartBox.style.height = `${o.height || 260}px`;
      this.el.dataset.chart = o.id;
    }
    this.el.dataset.state = 'loading';
    this.el.querySelector('[data-act="csv"]').addEventListener('click', () => this.downloadCSV());
    const tableButton = this.el.querySelector('[data-act="table"]');
    if (tableButton) tableButton.addEventListener('click', () => this.toggleTable(tableButton));
    parent.appendChild(this.el);
    this.columns = [];
    this.rows = [];
    this.chart = null;
  }

  setSubtitle(text) {
    this.el.querySelector('.sub').textContent = text;
  }

  /** Marks the card as loading (kept visible: live updates replace numbers in place). */
  loading() {
    this.el.dataset.state = 'loading';
    this.el.setAttribute('aria-busy', 'true');
  }

  /** Shows an error in place of the chart. */
  fail(error) {
    this.el.dataset.state = 'error';
    this.el.removeAttribute('aria-busy');
    this.msg.hidden = false;
    this.msg.className = 'card-msg error';
    this.msg.textContent = error.message || String(error);
  }

  /**
   * The numbers behind the card: `columns` is [{ key, label, format? }], `rows` objects;
   * `source` the API URL, `rowsPath` where the rows are in its answer, `series` values drawn per row.
   */
  setData({ columns, rows, source, rowsPath = 'rows', series = 1, note = '' }) {
    this.columns = columns;
    this.rows = rows;
    this.el.dataset.source = source;
    this.el.dataset.rowsPath = rowsPath;
    this.el.dataset.series = String(series);
    this.el.dataset.rows = String(rows.length);
    this.msg.hidden = !note && rows.length > 0;
    this.msg.className = 'card-msg';
    this.msg.textContent = note || (rows.length === 0 ? 'No rows match the filters.' : '');
    if (!this.tableBox.hidden) this.renderTable();
  }

  /** Draws (or redraws in place) a Chart.js chart from `config`, then records what it drew. */
  draw(config, { label } = {}) {
    setDefaults();
    const canvas = this.chartBox.querySelector('canvas');
    if (label) canvas.setAttribute('aria-label', label);
    if (this.chart && this.chart.config.type === config.type) {
      this.chart.data = config.data;
      this.chart.options = config.options || {};
      this.chart.update('none');
    } else {
      if (this.chart) this.chart.destroy();
      this.chart = new (Chart())(canvas, config);
    }
    this.recordDrawn();
  }

  recordDrawn() {
    const chart = this.chart;
    let drawn = 0;
    chart.data.datasets.forEach((ds, i) => {
      if (!chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i);
      meta.data.forEach((element, j) => {
        const v = ds.data[j];
        const value = v != null && typeof v === 'object' ? v.y ?? v.x : v;
        const visible = meta.type === 'doughnut' || meta.type === 'pie' ? chart.getDataVisibility(j) : true;
        if (value != null && !Number.isNaN(value) && visible && element) drawn++;
      });
    });
    this.el.dataset.drawn = String(drawn);
  }

  /** Marks the card drawn. */
  done() {
    this.el.dataset.state = 'ready';
    this.el.removeAttribute('aria-busy');
  }

  toggleTable(button) {
    const show = this.tableBox.hidden;
    this.tableBox.hidden = !show;
    if (this.chartBox) this.chartBox.hidden = show;
    button.setAttribute('aria-pressed', String(show));
    button.textContent = show ? 'Chart' : 'Table';
    if (show) this.renderTable();
  }

  /** The rows as an HTML table (all of them: these are aggregates, never raw data dumps). */
  renderTable() {
    const box = this.tableBox;
    box.textContent = '';
    const table = document.createElement('table');
    table.className = 'data';
    const caption = document.createElement('caption');
    caption.className = 'visually-hidden';
    caption.textContent = this.o.title;
    table.appendChild(caption);
    const head = table.createTHead().insertRow();
    for (const c of this.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c.label;
      if (c.numeric) th.className = 'num';
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of this.rows) {
      const tr = body.insertRow();
      for (const c of this.columns) {
        const td = tr.insertCell();
        const v = row[c.key];
        if (c.link) {
          const a = document.createElement('a');
          a.href = c.link(row);
          a.textContent = c.format ? c.format(v, row) : cellText(v);
          td.appendChild(a);
        } else {
          td.textContent = c.format ? c.format(v, row) : cellText(v);
        }
        if (c.numeric) td.className = 'num';
        if (c.className) td.classList.add(c.className);
      }
    }
    box.appendChild(table);
  }

  /** The rows as CSV (RFC 4180), raw values rather than formatted ones. */
  downloadCSV() {
    const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const lines = [this.columns.map((c) => quote(c.key)).join(',')];
    for (const row of this.rows) lines.push(this.columns.map((c) => quote(cellText(row[c.key]))).join(','));
    const blob = new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `lakeq-${this.o.id}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }
}

/** A row of tiles (big numbers), itself a card without chart. */
export class Tiles {
  constructor(parent, id, tiles) {
    this.el = document.createElement('section');
    this.el.className = 'tiles span-12';
    this.el.id = `card-${id}`;
    this.el.setAttribute('aria-label', 'Key figures');
    this.el.dataset.state = 'loading';
    this.items = {};
    for (const t of tiles) {
      const div = document.createElement('div');
      div.className = 'tile';
      div.dataset.tile = t.key;
      div.innerHTML = '<span class="label"></span><span class="value">…</span><span class="hint"></span>';
      div.querySelector('.label').textContent = t.label;
      div.querySelector('.hint').textContent = t.hint || '';
      this.el.appendChild(div);
      this.items[t.key] = div;
    }
    parent.appendChild(this.el);
  }

  set(key, text, hint) {
    const div = this.items[key];
    const value = div.querySelector('.value');
    if (value.textContent !== text && value.textContent !== '…') {
      div.classList.remove('changed');
      void div.offsetWidth; // restart the highlight animation
      div.classList.add('changed');
    }
    value.textContent = text;
    if (hint != null) div.querySelector('.hint').textContent = hint;
  }

  loading() { this.el.dataset.state = 'loading'; }
  done() { this.el.dataset.state = 'ready'; }
  fail(error) {
    this.el.dataset.state = 'error';
    for (const div of Object.values(this.items)) div.querySelector('.value').textContent = '—';
    this.el.title = error.message || String(error);
  }
}

/** Axis options for a value scale formatted with `format`. */
export function valueAxis(format, extra = {}, { counts = false } = {}) {
  const ticks = { callback: (v) => format(v), maxTicksLimit: 6 };
  if (counts) ticks.precision = 0; // no 0.5 rows
  return { beginAtZero: true, ticks, grid: { color: '#eef0f3' }, ...extra };
}

/** Axis options for a category scale whose labels are shortened by `format`. */
export function categoryAxis(format, extra = {}) {
  return {
    grid: { display: false },
    ticks: {
      autoSkip: true,
      maxRotation: 0,
      callback(value) { return format ? format(this.getLabelForValue(value)) : this.getLabelForValue(value); },
    },
    ...extra,
  };
}
