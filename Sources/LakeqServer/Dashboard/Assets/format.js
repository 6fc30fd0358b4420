// Number, percentage, duration and date formatting shared by tiles, axes, tooltips and tables.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percentShort = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 0 });
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const missing = '—';

export const fmt = {
  /** 1234567 → "1,234,567" */
  int: (v) => (v == null || Number.isNaN(+v) ? missing : integer.format(+v)),
  /** 1234567 → "1.2M" (axes) */
  compact: (v) => (v == null || Number.isNaN(+v) ? missing : compact.format(+v)),
  /** 0.4567 → "45.7%"; near 0 or 1 with more digits (0.0001 → "0.01%", 0.99990 → "99.99%"), never rounded to 0% or 100% */
  pct: (v) => {
    if (v == null || Number.isNaN(+v)) return missing;
    const x = +v;
    if (x > 0 && x < 0.001) return `${(x * 100).toPrecision(2)}%`;
    if (x > 0.999 && x < 1) return `${(Math.floor(x * 1e5) / 1e3).toFixed(3).replace(/0$/, '')}%`;
    return percent.format(x);
  },
  /** 0.45 → "45%" (axes) */
  pctShort: (v) => (v == null || Number.isNaN(+v) ? missing : percentShort.format(+v)),
  /** minutes → "42.3 min" */
  minutes: (v) => (v == null || Number.isNaN(+v) ? missing : `${oneDecimal.format(+v)} min`),
  /** "2026-01-03" → "Jan 3" */
  day: (v) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(v ?? ''));
    return m ? `${months[+m[2] - 1]} ${+m[3]}` : String(v ?? missing);
  },
  /** "2026-01-03 14:00:00" / ISO → "Jan 3 14:00" */
  hour: (v) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(String(v ?? ''));
    return m ? `${months[+m[2] - 1]} ${+m[3]} ${m[4]}:${m[5]}` : String(v ?? missing);
  },
  /** a Date or ISO text → "19:02:11" in local time */
  clock: (v) => {
    const d = v instanceof Date ? v : new Date(v);
    return Number.isNaN(d.getTime()) ? missing : d.toLocaleTimeString('en-GB', { hour12: false });
  },
  /** ISO text → "30 Nov 19:02:11" in local time */
  stamp: (v) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return missing;
    return `${d.getDate()} ${months[d.getMonth()]} ${d.toLocaleTimeString('en-GB', { hour12: false })}`;
  },
};

/** Whole days from `a` to `b` (YYYY-MM-DD, UTC). */
export function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

/** `d` (YYYY-MM-DD) plus `n` days. */
export function addDays(d, n) {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
}

/** A cell for the table view and CSV: numbers with up to 6 decimals, the rest as text. */
export function cellText(v) {
  if (v == null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  if (Array.isArray(v)) return v.join('; ');
  return String(v);
}
