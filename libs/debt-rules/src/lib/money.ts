// Amounts arrive as pounds with up to two decimals. Sums and comparisons run on whole pence so that,
// say, 0.1 + 0.2 of a pound never lands a client a penny either side of a limit.

/** The largest amount of money accepted, in pounds: larger is a typing mistake, and pence stay exact. */
export const MAX_AMOUNT = 10_000_000;

/** Pounds (up to 2 decimals) to whole pence. */
export function toPence(pounds: number): number {
  return Math.round(pounds * 100);
}

/** Whole pence back to pounds. */
export function toPounds(pence: number): number {
  return pence / 100;
}

/** The sum of amounts in pounds, added up in pence. */
export function sumPence(amounts: readonly number[]): number {
  return amounts.reduce((total, amount) => total + toPence(amount), 0);
}

/** True when a number of pounds has no more than two decimals (0.1 + 0.2 style noise tolerated). */
export function hasAtMostTwoDecimals(pounds: number): boolean {
  return Math.abs(pounds * 100 - Math.round(pounds * 100)) < 1e-6;
}

/** "1,200 GBP", "7.50 GBP": whole pounds without pence, otherwise two decimals; no locale data needed. */
export function formatGbp(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const absolute = Math.abs(pence);
  const pounds = Math.floor(absolute / 100);
  const rest = absolute % 100;
  const grouped = String(pounds).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${rest === 0 ? '' : `.${String(rest).padStart(2, '0')}`} GBP`;
}
