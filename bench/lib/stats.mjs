// Small statistics and formatting helpers for the benchmark report.

/** The nearest-rank percentile `p` (0..100) of `values`; NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** `n` with `digits` decimals, or an em dash when it is not a finite number. */
export function fmt(n, digits = 0) {
  return Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
}

/** Bytes as MiB. */
export function mib(bytes, digits = 0) {
  return fmt(bytes / 2 ** 20, digits);
}

/** A Markdown table from a header row and body rows (cells are strings). */
export function markdownTable(header, rows, align = []) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, i) => (align[i] === 'right' ? '---:' : '---'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

/** The same table as plain text with padded columns, for the terminal. */
export function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
