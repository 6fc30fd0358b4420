// The filter bar: date range (with quick ranges ending at the table's last day), country,
// device and show type (checklists whose options load from the API when first opened) and
// a show search. It never fetches chart data itself: it reports a new state to main.js,
// which writes it to the URL and redraws.

import { addDays } from './format.js';
import { filterParams } from './state.js';

const LABELS = { country: 'Country', device: 'Device', show_type: 'Show type' };
const CODES = { country: 'country', device: 'device', show_type: 'show_type' };

export class FilterBar {
  constructor(form, api, onChange) {
    this.form = form;
    this.api = api;
    this.onChange = onChange;
    this.state = null;
    this.bounds = null; // { min, max } dates of the table
    this.from = form.querySelector('#f-from');
    this.to = form.querySelector('#f-to');
    this.showInput = form.querySelector('#f-show');
    this.showList = form.querySelector('#f-show-list');
    this.showChip = form.querySelector('#f-show-chip');
    this.suggestions = [];
    this.lists = {};
    for (const name of Object.keys(LABELS)) this.lists[name] = new Checklist(form.querySelector(`#f-${name}`), name, this);

    const dateChanged = () => {
      let from = this.from.value || null;
      let to = this.to.value || null;
      if (from && to && from > to) [from, to] = [to, from];
      this.change({ from, to });
    };
    this.from.addEventListener('change', dateChanged);
    this.to.addEventListener('change', dateChanged);
    form.querySelectorAll('[data-range]').forEach((b) => b.addEventListener('click', () => this.quickRange(b.dataset.range)));
    form.querySelector('#f-reset').addEventListener('click', () => {
      this.change({ from: null, to: null, country: [], device: [], show_type: [], show: this.state.page === 'show' ? this.state.show : null });
    });
    form.addEventListener('submit', (e) => e.preventDefault());

    let timer = null;
    this.showInput.addEventListener('input', () => {
      clearTimeout(timer);
      const typed = this.showInput.value;
      // A value picked from the list arrives as one input event holding a whole suggestion.
      if (this.suggestions.includes(typed)) return this.pickShow(typed);
      timer = setTimeout(() => this.suggest(typed), 150);
    });
    this.showInput.addEventListener('keydown', async (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      clearTimeout(timer);
      const typed = this.showInput.value.trim();
      if (!typed) return;
      const names = this.suggestions.includes(typed) ? [typed] : await this.suggest(typed);
      if (names.length) this.pickShow(names.includes(typed) ? typed : names[0]);
      else this.showInput.setCustomValidity('No show matches'), this.showInput.reportValidity();
    });
  }

  change(patch) {
    this.onChange({ ...this.state, ...patch });
  }

  quickRange(range) {
    if (range === 'all' || !this.bounds) return this.change({ from: null, to: null });
    const to = this.bounds.max;
    const from = addDays(to, 1 - Number(range));
    this.change({ from: from < this.bounds.min ? this.bounds.min : from, to });
  }

  async suggest(text) {
    this.showInput.setCustomValidity('');
    const q = filterParams(this.state, { omit: ['show'] });
    q.set('q', text);
    q.set('limit', '20');
    try {
      const body = await this.api.get('/v1/analytics/shows', q);
      if (this.showInput.value.trim() !== text.trim() && this.showInput.value !== text) return this.suggestions;
      this.suggestions = body.rows.map((r) => r.show);
      this.showList.replaceChildren(...body.rows.map((r) => {
        const o = document.createElement('option');
        o.value = r.show;
        o.label = `${r.show_type} · ${r.genre}`;
        return o;
      }));
    } catch (e) {
      this.suggestions = [];
    }
    return this.suggestions;
  }

  pickShow(name) {
    this.showInput.value = '';
    this.showInput.blur();
    this.change({ show: name });
  }

  /** Shows `state` in the controls; `page` decides which filters apply. */
  render(state, bounds) {
    this.state = state;
    if (bounds) this.bounds = bounds;
    this.from.value = state.from || '';
    this.to.value = state.to || '';
    for (const input of [this.from, this.to]) {
      if (this.bounds) {
        input.min = this.bounds.min;
        input.max = this.bounds.max;
      }
    }
    this.from.placeholder = this.bounds ? this.bounds.min : '';
    this.to.placeholder = this.bounds ? this.bounds.max : '';
    const datesOnly = state.page === 'quality';
    for (const name of Object.keys(LABELS)) this.lists[name].render(state[name], datesOnly);
    this.showInput.disabled = datesOnly;
    this.form.classList.toggle('dates-only', datesOnly);
    this.form.querySelectorAll('[data-range]').forEach((b) => {
      const active = b.dataset.range === 'all' ? !state.from && !state.to
        : this.bounds && state.to === this.bounds.max && state.from === addDays(this.bounds.max, 1 - Number(b.dataset.range));
      b.setAttribute('aria-pressed', String(Boolean(active)));
    });
    if (state.show && !datesOnly) {
      this.showChip.hidden = false;
      this.showChip.replaceChildren();
      const text = document.createElement('span');
      text.textContent = state.show;
      const clear = document.createElement('button');
      clear.type = 'button';
      clear.className = 'chip-x';
      clear.setAttribute('aria-label', `Clear the show filter ${state.show}`);
      clear.textContent = '×';
      clear.addEventListener('click', () => this.change({ show: null }));
      this.showChip.append(text, clear);
      this.showInput.placeholder = state.page === 'show' ? 'Another show…' : 'Search shows…';
    } else {
      this.showChip.hidden = true;
      this.showInput.placeholder = 'Search shows…  ( / )';
    }
  }

  focusSearch() {
    if (!this.showInput.disabled) this.showInput.focus();
  }
}

/** A dropdown of checkboxes (a <details>, so it opens with Enter/Space and closes with Escape). */
class Checklist {
  constructor(container, name, bar) {
    this.name = name;
    this.bar = bar;
    this.options = null;
    container.innerHTML = `<details class="checklist"><summary></summary><div class="menu" role="group"></div></details>`;
    this.details = container.querySelector('details');
    this.summary = container.querySelector('summary');
    this.menu = container.querySelector('.menu');
    this.menu.setAttribute('aria-label', LABELS[name]);
    this.summary.addEventListener('click', (e) => {
      if (this.details.classList.contains('disabled')) e.preventDefault();
    });
    this.details.addEventListener('toggle', () => {
      if (this.details.open) {
        for (const other of Object.values(bar.lists)) if (other !== this) other.details.open = false;
        this.load();
      }
    });
    this.details.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.details.open) {
        this.details.open = false;
        this.summary.focus();
      }
    });
    document.addEventListener('click', (e) => {
      if (this.details.open && !this.details.contains(e.target)) this.details.open = false;
    });
  }

  /** The values to choose from: the API's breakdown by this column under the date range. */
  async load() {
    if (this.options) return this.fill();
    this.menu.textContent = 'Loading…';
    try {
      const q = filterParams(this.bar.state, { only: ['from', 'to'] });
      q.set('by', CODES[this.name]);
      const body = await this.bar.api.get('/v1/analytics/engagement', q);
      this.options = body.rows.map((r) => ({ value: r[this.name], events: r.events }))
        .sort((a, b) => b.events - a.events || String(a.value).localeCompare(String(b.value)));
    } catch (e) {
      this.menu.textContent = e.message;
      return;
    }
    this.fill();
  }

  fill() {
    const selected = new Set(this.selected);
    const values = [...new Set([...this.selected, ...this.options.map((o) => o.value)])];
    this.menu.replaceChildren(...values.map((v) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = v;
      box.checked = selected.has(v);
      box.addEventListener('change', () => {
        const now = [...this.menu.querySelectorAll('input:checked')].map((b) => b.value).sort();
        this.bar.change({ [this.name]: now });
      });
      label.append(box, document.createTextNode(` ${v}`));
      return label;
    }));
    if (this.selected.length) {
      const clear = document.createElement('button');
      clear.type = 'button';
      clear.className = 'ghost small';
      clear.textContent = 'Clear';
      clear.addEventListener('click', () => this.bar.change({ [this.name]: [] }));
      this.menu.appendChild(clear);
    }
  }

  render(selected, disabled) {
    this.selected = selected;
    const text = selected.length === 0 ? 'all' : selected.length <= 2 ? selected.join(', ') : `${selected.length} selected`;
    this.summary.innerHTML = '';
    const label = document.createElement('span');
    label.className = 'k';
    label.textContent = `${LABELS[this.name]}: `;
    const value = document.createElement('span');
    value.className = selected.length ? 'v on' : 'v';
    value.textContent = text;
    this.summary.append(label, value);
    this.details.classList.toggle('disabled', disabled);
    this.summary.tabIndex = disabled ? -1 : 0;
    this.summary.setAttribute('aria-disabled', String(disabled));
    if (disabled) this.details.open = false;
    if (this.details.open && this.options) this.fill();
  }
}
