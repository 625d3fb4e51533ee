// A small line chart as SVG, with no dependencies: one panel per metric, one line per series; the x
// axis is log2 (concurrency levels) or linear (percentiles, seconds).

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700'];

/** One line of a panel. */
export interface ChartSeries {
  name: string;
  points: { x: number; y: number }[];
}

/** One panel: a title, a y unit, an x axis and its lines. */
export interface ChartPanel {
  title: string;
  unit: string;
  /** A log10 y axis. */
  log?: boolean;
  /** The x axis: log2 (the default, for concurrency) or linear. */
  xScale?: 'log2' | 'linear';
  xLabel?: string;
  series: ChartSeries[];
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(max: number, log: boolean | undefined): number[] {
  if (log) {
    const out = [];
    for (let value = 1; value <= max * 1.0001; value *= 10) out.push(value);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10(max / 4 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((candidate) => max / candidate <= 6) ?? step * 10;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => Number((i * nice).toPrecision(6)));
}

/** The chart as SVG text. */
export function lineChartSvg({
  title,
  panels,
  width = 980,
  height = 400,
}: {
  title: string;
  panels: ChartPanel[];
  width?: number;
  height?: number;
}): string {
  const panelWidth = width / panels.length;
  const margin = { top: 56, right: 24, bottom: 48, left: 72 };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  panels.forEach((panel, panelIndex) => {
    const left = panelIndex * panelWidth + margin.left;
    const right = (panelIndex + 1) * panelWidth - margin.right;
    const top = margin.top;
    const bottom = height - margin.bottom;
    const linearX = panel.xScale === 'linear';
    const xs = panel.series.flatMap((series) => series.points.map((point) => point.x));
    const ys = panel.series.flatMap((series) => series.points.map((point) => point.y)).filter((y) => y > 0);
    const xMax = Math.max(...xs, linearX ? 1e-9 : 2);
    const yMax = Math.max(...ys, 1e-9) * 1.1;
    const yMin = panel.log ? 10 ** Math.floor(Math.log10(Math.min(...ys, yMax))) : 0;
    const xPos = (x: number) =>
      left + (linearX ? x / xMax : Math.log2(Math.max(x, 1)) / Math.log2(xMax)) * (right - left);
    const yPos = (y: number) =>
      panel.log
        ? bottom -
          ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin) || 1)) *
            (bottom - top)
        : bottom - (y / yMax) * (bottom - top);
    parts.push(
      `<text x="${(left + right) / 2}" y="${top - 18}" text-anchor="middle" font-size="13">${escapeXml(panel.title)}</text>`,
    );
    parts.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`);
    parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`);
    const xTicks = linearX
      ? ticks(xMax, false)
      : Array.from({ length: Math.floor(Math.log2(xMax)) + 1 }, (_, i) => 2 ** i);
    for (const x of xTicks) {
      parts.push(`<line x1="${xPos(x)}" y1="${bottom}" x2="${xPos(x)}" y2="${bottom + 4}" stroke="#333"/>`);
      parts.push(`<text x="${xPos(x)}" y="${bottom + 16}" text-anchor="middle">${x}</text>`);
    }
    parts.push(
      `<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle">${escapeXml(panel.xLabel ?? 'concurrency')}</text>`,
    );
    for (const y of ticks(yMax, panel.log).filter((value) => value >= yMin && value <= yMax)) {
      parts.push(`<line x1="${left}" y1="${yPos(y)}" x2="${right}" y2="${yPos(y)}" stroke="#eee"/>`);
      parts.push(`<text x="${left - 6}" y="${yPos(y) + 4}" text-anchor="end">${y}</text>`);
    }
    parts.push(
      `<text transform="translate(${left - 54} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.unit)}</text>`,
    );
    const lines: string[] = [];
    const legend: string[] = [];
    panel.series.forEach((series, seriesIndex) => {
      const color = COLORS[seriesIndex % COLORS.length];
      const path = series.points.map(
        (point, i) => `${i ? 'L' : 'M'}${xPos(point.x).toFixed(1)},${yPos(point.y).toFixed(1)}`,
      );
      lines.push(`<path d="${path.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
      for (const point of series.points) {
        lines.push(`<circle cx="${xPos(point.x).toFixed(1)}" cy="${yPos(point.y).toFixed(1)}" r="3" fill="${color}"/>`);
      }
      legend.push(`<rect x="${left + 10}" y="${top + 8 + seriesIndex * 18}" width="12" height="3" fill="${color}"/>`);
      legend.push(`<text x="${left + 28}" y="${top + 13 + seriesIndex * 18}">${escapeXml(series.name)}</text>`);
    });
    // The legend on a pale box over the lines, so that neither hides the other's words.
    const legendWidth = 24 + 6.5 * Math.max(...panel.series.map((series) => series.name.length));
    parts.push(...lines);
    parts.push(
      `<rect x="${left + 4}" y="${top + 2}" width="${legendWidth.toFixed(0)}" height="${panel.series.length * 18 + 4}" fill="white" fill-opacity="0.8"/>`,
      ...legend,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
