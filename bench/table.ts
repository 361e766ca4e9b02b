/** One row of the benchmark table: what was measured, its baseline, their ratio, and the measured figures. */
export type Row = { name: string; baseline: string; ratio: number; detail: string };

/** The Markdown table `npm run bench` prints (and a single bench run on its own). */
export function printTable(rows: readonly Row[]): void {
  console.log('| benchmark | baseline | ratio (lower is better) | measured |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.name} | ${row.baseline} | ${Number.isNaN(row.ratio) ? '—' : `${row.ratio.toFixed(2)}×`} | ${row.detail} |`);
}
