// The dashboard's entry point: key, URL state, filter bar, pages, live updates, keyboard.

import { API } from './api.js';
import { FilterBar } from './filters.js';
import { daysBetween } from './format.js';
import { Live } from './live.js';
import * as pages from './pages.js';
import { parse, format, equal } from './state.js';

const api = new API();
const main = document.getElementById('main');
let state = parse(location.href);
let page = null; // { name, show, view }
let generation = 0;
let filterBar;
let live;

/** For tests and the page-speed benchmark: when the charts of the current view were all drawn. */
window.lakeq = { generation: 0, drawnAt: null, version: null };

function askKey(message) {
  const dialog = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  const error = document.getElementById('key-error');
  error.hidden = !message;
  error.textContent = message || '';
  input.value = '';
  if (!dialog.open) dialog.showModal();
  input.focus();
  return new Promise((resolve) => {
    const form = document.getElementById('key-form');
    const submit = async (e) => {
      e.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      if (!(await api.check(key))) {
        error.hidden = false;
        error.textContent = 'The service does not accept this key (or it lacks the reader role).';
        input.select();
        return;
      }
      form.removeEventListener('submit', submit);
      dialog.close();
      resolve(key);
    };
    form.addEventListener('submit', submit);
    dialog.addEventListener('cancel', (e) => e.preventDefault(), { once: true });
  });
}

/** Day or hour buckets: hours when the range spans three days or less. */
function grainOf(s, bounds) {
  const from = s.from || bounds?.min;
  const to = s.to || bounds?.max;
  return from && to && daysBetween(from, to) <= 2 ? 'hour' : 'day';
}

function navigate(next, { replace = false } = {}) {
  if (typeof next === 'string') next = parse(new URL(next, location.origin).href);
  if (equal(next, state) && !replace) return;
  state = next;
  history[replace ? 'replaceState' : 'pushState'](null, '', format(state));
  render();
}

function updateNav() {
  for (const a of document.querySelectorAll('nav.pages a')) {
    const target = { ...state, page: a.dataset.page };
    a.href = format(target);
    if (a.dataset.page === state.page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** Builds the page when the page (or the show) changed, then refreshes every card. */
function render() {
  const bounds = live.status?.partitions?.date || null;
  filterBar.render(state, bounds);
  updateNav();
  if (!page || page.name !== state.page || (state.page === 'show' && page.show !== state.show)) {
    for (const c of main.querySelectorAll('canvas')) window.Chart?.getChart(c)?.destroy();
    main.replaceChildren();
    const build = pages[state.page];
    page = { name: state.page, show: state.show, view: build(main, (url) => navigate(url), state) };
  }
  document.title = `${page.view.title} · lakeq`;
  return refresh();
}

async function refresh() {
  const mine = ++generation;
  window.lakeq.generation = mine;
  document.body.dataset.drawn = 'no';
  const ctx = {
    api,
    state,
    table: api.config.table,
    bounds: live.status?.partitions?.date || null,
    grain: grainOf(state, live.status?.partitions?.date),
    isCurrent: () => mine === generation,
  };
  await page.view.refresh(ctx);
  if (mine !== generation) return;
  window.lakeq.drawnAt = performance.now();
  window.lakeq.version = live.status?.version ?? null;
  performance.mark('lakeq:drawn');
  document.body.dataset.drawn = String(mine);
  live.updated();
}

function keyboard(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t.closest && t.closest('input, textarea, select, dialog')) return;
  const go = { 1: 'overview', 2: 'show', 3: 'quality' }[e.key];
  if (go) {
    e.preventDefault();
    navigate({ ...state, page: go });
  } else if (e.key === '/') {
    e.preventDefault();
    filterBar.focusSearch();
  } else if (e.key === 'r') {
    e.preventDefault();
    refresh();
  }
}

async function boot() {
  await api.init();
  api.onAuthNeeded = () => askKey();
  filterBar = new FilterBar(document.getElementById('filters'), api, (next) => navigate(next));
  live = new Live(api, document.getElementById('live'), () => refresh());
  document.getElementById('key-button').addEventListener('click', async () => {
    api.setKey(await askKey());
    await live.poll();
    refresh();
  });
  for (const a of document.querySelectorAll('nav.pages a')) {
    a.addEventListener('click', (e) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return; // new tab: the href carries the view
      e.preventDefault();
      navigate({ ...state, page: a.dataset.page });
    });
  }
  // Links inside cards (table views) stay in the app.
  main.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[href^="/"]');
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(a.getAttribute('href'));
  });
  window.addEventListener('popstate', () => {
    state = parse(location.href);
    render();
  });
  document.addEventListener('keydown', keyboard);
  await live.start();
  render();
}

boot().catch((e) => {
  main.textContent = `The dashboard could not start: ${e.message}`;
  console.error(e);
});
