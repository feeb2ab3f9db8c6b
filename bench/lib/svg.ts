/** One line of a chart: a system and its lateness samples (ms). */
export interface Series {
  readonly label: string;
  readonly samples: readonly number[];
}

/** One panel: a title and the series drawn in it. */
export interface Panel {
  readonly title: string;
  readonly series: readonly Series[];
}

const COLORS = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd'];
const WIDTH = 480;
const HEIGHT = 320;
const PAD = { left: 56, right: 16, top: 40, bottom: 64 };
/** Lateness at or below this is drawn at the left edge of the log axis. */
const FLOOR_MS = 0.1;

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function decades(series: readonly Series[]): [number, number] {
  const max = Math.max(FLOOR_MS * 10, ...series.flatMap((s) => s.samples));
  return [Math.log10(FLOOR_MS), Math.ceil(Math.log10(max))];
}

/** An empirical CDF as a step polyline, x on a log scale. */
function cdfPoints(
  samples: readonly number[],
  x: (ms: number) => number,
  y: (f: number) => number,
): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const points = [`${x(FLOOR_MS).toFixed(1)},${y(0).toFixed(1)}`];
  sorted.forEach((ms, i) => {
    const px = x(Math.max(ms, FLOOR_MS)).toFixed(1);
    points.push(
      `${px},${y(i / sorted.length).toFixed(1)}`,
      `${px},${y((i + 1) / sorted.length).toFixed(1)}`,
    );
  });
  return points.join(' ');
}

interface Frame {
  readonly x: (ms: number) => number;
  readonly y: (fraction: number) => number;
  readonly lo: number;
  readonly hi: number;
  readonly w: number;
  readonly h: number;
}

const line = (x1: number, y1: number, x2: number, y2: number, style: string) =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${style}/>`;

const text = (x: number, y: number, body: string, style = 'text-anchor="middle"') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${style}>${escape(body)}</text>`;

function frameFor(series: readonly Series[]): Frame {
  const [lo, hi] = decades(series);
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const x = (ms: number) => PAD.left + ((Math.log10(ms) - lo) / (hi - lo)) * w;
  const y = (fraction: number) => PAD.top + (1 - fraction) * h;
  return { x, y, lo, hi, w, h };
}

/** Grid, tick labels, the p99 guide and axis titles. */
function axes({ x, y, lo, hi, w, h }: Frame): string[] {
  const parts: string[] = [];
  for (let d = Math.ceil(lo); d <= hi; d++) {
    parts.push(line(x(10 ** d), PAD.top, x(10 ** d), PAD.top + h, 'stroke="#ddd"'));
    parts.push(text(x(10 ** d), PAD.top + h + 16, String(10 ** d)));
  }
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(line(PAD.left, y(f), PAD.left + w, y(f), 'stroke="#eee"'));
    parts.push(text(PAD.left - 6, y(f) + 4, String(f), 'text-anchor="end"'));
  }
  parts.push(
    line(PAD.left, y(0.99), PAD.left + w, y(0.99), 'stroke="#999" stroke-dasharray="4 3"'),
  );
  parts.push(text(PAD.left + w - 4, y(0.99) + 12, 'p99', 'text-anchor="end" fill="#666"'));
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
  );
  parts.push(text(PAD.left + w / 2, HEIGHT - 30, 'lateness (ms, log scale)'));
  parts.push(
    `<text transform="translate(14,${PAD.top + h / 2}) rotate(-90)" text-anchor="middle">fraction started</text>`,
  );
  return parts;
}

function panel({ title, series }: Panel, offsetX: number): string {
  const frame = frameFor(series);
  const parts = [`<g transform="translate(${offsetX},0)">`];
  parts.push(text(WIDTH / 2, 22, title, 'text-anchor="middle" font-weight="bold"'));
  parts.push(...axes(frame));
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    if (s.samples.length > 0) {
      const points = cdfPoints(s.samples, frame.x, frame.y);
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`);
    }
    const lx = PAD.left + i * 140;
    parts.push(`<rect x="${lx}" y="${HEIGHT - 16}" width="12" height="4" fill="${color}"/>`);
    parts.push(text(lx + 16, HEIGHT - 10, s.label, 'text-anchor="start"'));
  });
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * A hand-written SVG of lateness CDFs, one panel per scenario side by side: the fraction
 * of jobs (y) that started within a lateness (x).
 *
 * @example
 * writeFileSync('latency.svg', renderCdfSvg([{ title: 'burst', series: [{ label: 'a', samples: [1, 2] }] }]));
 */
export function renderCdfSvg(panels: readonly Panel[]): string {
  const width = WIDTH * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${HEIGHT}" fill="#fff"/>`,
    ...panels.map((p, i) => panel(p, i * WIDTH)),
    '</svg>',
    '',
  ].join('\n');
}
