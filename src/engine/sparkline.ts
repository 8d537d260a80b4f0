// ASCII sparklines for LATENCY GRAPH, drawn the way Redis's sparkline.c draws them: each sample
// is a column `rows` characters high whose top character is one of three levels ("_o#", with
// '|' filling below it), and each column's label is written vertically underneath, after one
// blank line. Samples wrap into blocks of `columns` columns.

const LEVELS = '_o#';

export interface SparkSample {
  value: number;
  label: string;
}

function renderRange(samples: SparkSample[], min: number, max: number, rows: number, offset: number, len: number): string {
  let out = '';
  const steps = LEVELS.length * rows;
  const relmax = max - min === 0 ? 1 : max - min;
  const hasLabels = samples.some((s) => s.label !== '');
  for (let row = 0; ; row++) {
    let more = false;
    const chars = new Array<string>(len).fill(' ');
    for (let j = 0; j < len; j++) {
      const s = samples[offset + j];
      let step = Math.trunc(((s.value - min) * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        more = true;
        const idx = step - (rows - row - 1) * LEVELS.length;
        if (idx >= 0 && idx < LEVELS.length) chars[j] = LEVELS[idx];
        else if (idx >= LEVELS.length) chars[j] = '|';
      } else {
        // One blank line between the graph and the labels.
        if (hasLabels && row - rows < 1) {
          more = true;
          break;
        }
        const at = row - rows - 1;
        if (s.label.length > at) {
          more = true;
          chars[j] = s.label[at];
        }
      }
    }
    if (!more) break;
    out += `${chars.join('')}\n`;
  }
  return out;
}

export function renderSparkline(samples: SparkSample[], columns: number, rows: number): string {
  if (samples.length === 0) return '';
  let min = samples[0].value;
  let max = min;
  for (const s of samples) {
    if (s.value < min) min = s.value;
    if (s.value > max) max = s.value;
  }
  let out = '';
  for (let j = 0; j < samples.length; j += columns) {
    if (j !== 0) out += '\n';
    out += renderRange(samples, min, max, rows, j, Math.min(columns, samples.length - j));
  }
  return out;
}
