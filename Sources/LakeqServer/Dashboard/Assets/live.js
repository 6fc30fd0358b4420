// Live updates: polls GET /v1/tables/{table}/version. The browser revalidates its cached
// answer with If-None-Match (`cache: 'no-cache'`), so an unchanged table costs a 304 with no
// body (one stat of the Delta log on the server); a new version answers 200 and the page
// refetches its charts. Polling (not server-sent events) because fetch can send the key in a
// header, where EventSource could only put it in the URL.

import { fmt } from './format.js';

export class Live {
  constructor(api, el, onNewVersion) {
    this.api = api;
    this.el = el;
    this.onNewVersion = onNewVersion;
    this.status = null; // last answer: { table, version, committed_at, rows, dates }
    this.updatedAt = null;
    this.interval = api.config.poll_ms || 2000;
    this.failures = 0;
    this.timer = null;
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.schedule(0);
    });
  }

  /** The first answer (the table's date range is needed before the first draw). */
  async start() {
    await this.poll();
    this.schedule(this.interval);
  }

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      if (document.visibilityState === 'hidden') return; // resumed by visibilitychange
      await this.poll();
      this.schedule(this.failures ? Math.min(10000, this.interval * 2 ** this.failures) : this.interval);
    }, ms);
  }

  async poll() {
    const path = `/v1/tables/${encodeURIComponent(this.api.config.table)}/version`;
    try {
      const r = await this.api.raw(path, { cache: 'no-cache' });
      this.failures = 0;
      if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
      const body = await r.json();
      const previous = this.status;
      this.status = body;
      this.show();
      if (previous && previous.version !== body.version) await this.onNewVersion(body, previous);
    } catch (e) {
      this.failures++;
      this.show(e);
    }
  }

  /** Called by main.js when the page finished drawing. */
  updated() {
    this.updatedAt = new Date();
    this.show();
  }

  show(error) {
    const text = this.el.querySelector('.text');
    if (error) {
      this.el.dataset.state = 'offline';
      text.textContent = `offline (${error.message}) · retrying`;
      return;
    }
    const s = this.status;
    if (!s) return;
    this.el.dataset.state = 'live';
    this.el.dataset.version = String(s.version);
    const parts = [`${s.table} v${s.version}`];
    if (s.rows != null) parts.push(`${fmt.int(s.rows)} rows`);
    if (s.committed_at) parts.push(`committed ${fmt.clock(s.committed_at)}`);
    if (this.updatedAt) parts.push(`updated ${fmt.clock(this.updatedAt)}`);
    text.textContent = parts.join(' · ');
    this.el.title = `Live: checks for new commits every ${this.interval / 1000} s. Last commit ${s.committed_at || 'unknown'}.`;
  }
}
