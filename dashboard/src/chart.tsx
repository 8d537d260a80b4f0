// A small line chart in SVG: the last values of one series, scaled to their maximum.
export function Chart({ values, label, format }: { values: number[]; label: string; format: (n: number) => string }) {
  const w = 240;
  const h = 60;
  const max = Math.max(1e-9, ...values);
  const n = Math.max(2, values.length);
  const pts = values.map((v, i) => `${((i / (n - 1)) * w).toFixed(1)},${(h - (v / max) * (h - 4) - 2).toFixed(1)}`).join(' ');
  const last = values.length ? values[values.length - 1] : 0;
  return (
    <figure class="chart">
      <figcaption>
        {label} <strong>{format(last)}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={label}>
        <polyline points={pts} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
      <small>max {format(max === 1e-9 ? 0 : max)}</small>
    </figure>
  );
}
