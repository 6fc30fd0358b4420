// The view's state lives in the URL: the page is the path (/, /show, /quality) and the filters
// are query parameters named as the API names them (from, to, country, device, show_type,
// show; lists repeat the name), so a link reproduces the view and the back button walks
// through filter changes. The API takes the same parameters, so they pass through unchanged.

export const PAGES = { '/': 'overview', '/show': 'show', '/quality': 'quality' };
const PATHS = { overview: '/', show: '/show', quality: '/quality' };
export const LIST_FILTERS = ['country', 'device', 'show_type'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The state a URL describes. */
export function parse(url) {
  const u = new URL(url, location.origin);
  const q = u.searchParams;
  const state = {
    page: PAGES[u.pathname.replace(/\/+$/, '') || '/'] ?? 'overview',
    from: DATE.test(q.get('from') ?? '') ? q.get('from') : null,
    to: DATE.test(q.get('to') ?? '') ? q.get('to') : null,
    show: q.get('show') || null,
  };
  for (const name of LIST_FILTERS) state[name] = [...new Set(q.getAll(name).filter(Boolean))].sort();
  return state;
}

/**
 * Query text with spaces as %20: URLSearchParams writes '+' (form encoding), which the API
 * (RFC 3986 query parsing) reads as a plus sign. A literal '+' is already %2B.
 */
export function queryText(params) {
  return params.toString().replace(/\+/g, '%20');
}

/** The URL (path and query) of a state. */
export function format(state) {
  const text = queryText(filterParams(state));
  return PATHS[state.page] + (text ? `?${text}` : '');
}

/**
 * The filters as API query parameters. `omit` leaves some out (the show search leaves out
 * `show`; the quality page takes only dates).
 */
export function filterParams(state, { omit = [], only = null } = {}) {
  const q = new URLSearchParams();
  const want = (name) => !omit.includes(name) && (only == null || only.includes(name));
  if (state.from && want('from')) q.set('from', state.from);
  if (state.to && want('to')) q.set('to', state.to);
  for (const name of LIST_FILTERS) if (want(name)) for (const v of state[name]) q.append(name, v);
  if (state.show && want('show')) q.set('show', state.show);
  return q;
}

export function equal(a, b) {
  return format(a) === format(b);
}
