import { queryText } from './state.js';

// The API client: every number on the dashboard comes through here, from the service's public
// endpoints, with the key the page was given (the service's own dashboard key, or one the
// user typed, kept in sessionStorage for this tab only).

const STORAGE = 'lakeq.key';

export class AuthError extends Error {}

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class API {
  constructor() {
    this.key = null;
    this.config = { table: 'events', poll_ms: 2000, max_queries: 2 };
    this.onAuthNeeded = null; // async () => key, set by main.js
    this.running = 0;
    this.waiting = [];
  }

  /** Reads /dashboard/config.json (no key needed): the events table and the service's own key, if any. */
  async init() {
    const r = await fetch('/dashboard/config.json', { cache: 'no-store' });
    if (r.ok) Object.assign(this.config, await r.json());
    this.key = this.config.key || sessionStorage.getItem(STORAGE) || null;
  }

  setKey(key) {
    this.key = key;
    sessionStorage.setItem(STORAGE, key);
  }

  forgetKey() {
    this.key = null;
    sessionStorage.removeItem(STORAGE);
  }

  /** Checks a key against a cheap endpoint; resolves true when the service accepts it. */
  async check(key) {
    const r = await fetch(`/v1/tables/${encodeURIComponent(this.config.table)}/version`, {
      headers: { Authorization: `Bearer ${key}` }, cache: 'no-store',
    });
    return r.status !== 401 && r.status !== 403;
  }

  /** A raw response (the caller looks at status and headers). Asks for a key on 401. */
  async raw(path, init = {}) {
    for (let attempt = 0; ; attempt++) {
      if (!this.key) await this.needKey();
      const headers = { ...(init.headers || {}), Authorization: `Bearer ${this.key}` };
      const r = await fetch(path, { ...init, headers });
      if (r.status !== 401 || attempt > 0) return r;
      this.forgetKey();
    }
  }

  /**
   * GET path?params as JSON; throws APIError with the service's message on failure.
   * At most `max_queries` run at once (the service's query slots: more would only wait in
   * its queue, and past its queue wait get 503); a 503 or 429 is retried after Retry-After.
   */
  async get(path, params) {
    const qs = params && queryText(params);
    const url = qs ? `${path}?${qs}` : path;
    await this.slot();
    try {
      for (let attempt = 0; ; attempt++) {
        const r = await this.raw(url);
        if ((r.status === 503 || r.status === 429) && attempt < 4) {
          const wait = Math.min(10, Number(r.headers.get('Retry-After')) || 1);
          await new Promise((resolve) => setTimeout(resolve, wait * 1000 * (attempt + 1)));
          continue;
        }
        if (!r.ok) throw await errorOf(r);
        return await r.json();
      }
    } finally {
      this.release();
    }
  }

  async slot() {
    if (this.running < Math.max(1, this.config.max_queries || 2)) {
      this.running++;
      return;
    }
    await new Promise((resolve) => this.waiting.push(resolve));
  }

  release() {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next caller
    else this.running--;
  }

  async needKey() {
    if (!this.onAuthNeeded) throw new AuthError('an API key is required');
    if (!this.pendingKey) this.pendingKey = this.onAuthNeeded().finally(() => { this.pendingKey = null; });
    this.setKey(await this.pendingKey);
  }
}

async function errorOf(r) {
  let code = 'http_error';
  let message = `${r.status} ${r.statusText}`;
  try {
    const body = await r.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch { /* not JSON */ }
  return new APIError(r.status, code, message);
}
