/** Times as the chart pages write them: IST, whatever the browser's own zone, since Indian markets keep IST. */
const DATE_TIME = new Intl.DateTimeFormat('en-IN', {
  timeZone: 'Asia/Kolkata',
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const DATE = new Intl.DateTimeFormat('en-IN', { timeZone: 'Asia/Kolkata', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

/** "Fri, 4 Dec, 09:15" (IST), or the date alone for a day's candle. */
export function formatIst(ms: number, dateOnly = false): string {
  return (dateOnly ? DATE : DATE_TIME).format(ms);
}
