// Reads the transaction rows of a bank or card statement, whether they arrive as markdown table
// rows or as space-aligned text lines. Which way money moved is taken from the running balance when
// there is one, because OCR loses the column a bare number sat in far more often than the number.
import type { Transaction } from './extraction.schemas';
import { findAmounts, findDates, roundPounds, toPence, type FoundAmount } from './uk-parsers';

export type StatementKind = 'bank' | 'card';

type ColumnRole = 'out' | 'in' | 'amount' | 'balance';

interface Column {
  role: ColumnRole;
  /** Where the header cell ends on its line: numbers are right-aligned under it. */
  end: number;
  cellIndex: number;
}

interface Cell {
  text: string;
  start: number;
  end: number;
}

const ROLE_HEADERS: readonly [ColumnRole, RegExp][] = [
  ['out', /^(?:paid out|money out|out|debits?|withdrawals?|payments? out)$/i],
  ['in', /^(?:paid in|money in|in|credits?|deposits?|payments? in)$/i],
  ['balance', /^balance(?: £)?$/i],
  ['amount', /^amount(?: £)?$/i],
];

const BALANCE_ROW =
  /\b(?:balance (?:brought|carried) forward|opening balance|closing balance|start balance|end balance)\b/i;
const CREDIT_WORDS =
  /\b(?:payment received|payment thank you|thank you|refund|salary|wages|transfer from|credit|from|benefit|universal credit|interest paid)\b/i;
// A row's amounts and balance can never exceed this share of a pound from the arithmetic.
const PENNY = 1;

function cellsOf(line: string): Cell[] {
  const cells: Cell[] = [];
  const separator = line.includes('|') ? /[^|]+/g : /\S+(?: \S+)*/g;
  for (const match of line.matchAll(separator)) {
    const text = match[0].trim();
    if (!text) continue;
    const start = match.index + match[0].indexOf(text);
    cells.push({ text, start, end: start + text.length });
  }
  return cells;
}

/**
 * A row whose columns arrive joined by single spaces (a text layer that put a whole row in one item, or
 * OCR) is one cell: its leading date becomes a cell of its own, and the trailing amounts are found in the
 * rest as in a glued cell.
 */
function splitLeadingDate(cells: Cell[]): Cell[] {
  if (cells.length !== 1) return cells;
  const [cell] = cells;
  const date = findDates(cell.text)[0];
  if (!date || date.index > 0) return cells;
  const rest = cell.text.slice(date.raw.length);
  const offset = date.raw.length + (rest.length - rest.trimStart().length);
  if (!rest.trim()) return cells;
  return [
    { text: date.raw, start: cell.start, end: cell.start + date.raw.length },
    { text: rest.trim(), start: cell.start + offset, end: cell.end },
  ];
}

function headerColumns(cells: Cell[]): Column[] | null {
  if (!cells.some((cell) => /^date$/i.test(cell.text))) return null;
  const columns: Column[] = [];
  cells.forEach((cell, cellIndex) => {
    const role = ROLE_HEADERS.find(([, pattern]) => pattern.test(cell.text))?.[0];
    if (role) columns.push({ role, end: cell.end, cellIndex });
  });
  return columns.length > 0 ? columns : null;
}

function roleOf(columns: Column[] | null, cell: Cell, cellIndex: number, piped: boolean): ColumnRole | null {
  if (!columns) return null;
  if (piped) return columns.find((column) => column.cellIndex === cellIndex)?.role ?? null;
  const nearest = [...columns].sort((a, b) => Math.abs(a.end - cell.end) - Math.abs(b.end - cell.end))[0];
  return Math.abs(nearest.end - cell.end) <= 4 ? nearest.role : null;
}

function trailingAmounts(text: string): FoundAmount[] {
  const found = findAmounts(text, { bareNumbers: true });
  const trailing: FoundAmount[] = [];
  let end = text.length;
  for (const amount of [...found].reverse()) {
    const gap = text.slice(amount.index + amount.raw.length, end);
    if (gap.trim() !== '') break;
    trailing.unshift(amount);
    end = amount.index;
    // A leading "+" belongs to the amount, not the description.
    if (text[end - 1] === '+') end -= 1;
  }
  return trailing;
}

interface RowAmount {
  found: FoundAmount;
  role: ColumnRole | null;
}

function directionOf({
  amount,
  balance,
  previousBalance,
  description,
  kind,
}: {
  amount: RowAmount;
  balance: number | null;
  previousBalance: number | null;
  description: string;
  kind: StatementKind;
}): 'credit' | 'debit' {
  const pence = Math.abs(amount.found.pence);
  if (balance !== null && previousBalance !== null) {
    const before = toPence(previousBalance);
    const after = toPence(balance);
    // A card balance is money owed, so a credit (payment) makes it smaller.
    const creditSign = kind === 'card' ? -1 : 1;
    if (Math.abs(before + creditSign * pence - after) < PENNY) return 'credit';
    if (Math.abs(before - creditSign * pence - after) < PENNY) return 'debit';
  }
  if (amount.role === 'in') return 'credit';
  if (amount.role === 'out') return 'debit';
  if (amount.found.marker === 'CR') return 'credit';
  if (amount.found.marker === 'DR' || amount.found.pence < 0) return 'debit';
  if (/^\+/.test(amount.found.raw)) return 'credit';
  if (kind === 'card') return /\b(?:payment|refund)\b/i.test(description) ? 'credit' : 'debit';
  return CREDIT_WORDS.test(description) ? 'credit' : 'debit';
}

/** Transactions in reading order; balance rows (brought/carried forward) are skipped. */
export function readStatementRows({
  markdown,
  openingBalance,
  kind,
}: {
  markdown: string;
  openingBalance: number | null;
  kind: StatementKind;
}): Transaction[] {
  const transactions: Transaction[] = [];
  let columns: Column[] | null = null;
  let previousBalance = openingBalance;
  for (const line of markdown.split('\n')) {
    const piped = line.includes('|');
    const cells = splitLeadingDate(cellsOf(line));
    const header = headerColumns(cells);
    if (header) {
      columns = header;
      continue;
    }
    if (cells.length < 2) continue;
    const date = findDates(cells[0].text)[0];
    if (!date || date.index > 0) continue;
    const amounts: RowAmount[] = [];
    const words: string[] = [cells[0].text.slice(date.raw.length).trim()];
    cells.slice(1).forEach((cell, offset) => {
      if (findDates(cell.text)[0]?.raw === cell.text) return;
      // Amounts at the end of a cell are columns even when OCR glued them to the description.
      const trailing = trailingAmounts(cell.text);
      words.push(
        cell.text
          .slice(0, trailing[0]?.index ?? cell.text.length)
          .replace(/\+$/, '')
          .trim(),
      );
      for (const found of trailing) {
        const end = cell.start + found.index + found.raw.length;
        amounts.push({
          found,
          role: roleOf(columns, { text: found.raw, start: end - found.raw.length, end }, offset + 1, piped),
        });
      }
    });
    const description = words.filter(Boolean).join(' ').slice(0, 200);
    if (amounts.length === 0 || !description) continue;
    const balanceCell =
      amounts.find((amount) => amount.role === 'balance') ?? (amounts.length >= 2 ? amounts[amounts.length - 1] : null);
    const balance = balanceCell ? roundPounds(balanceCell.found.pounds) : null;
    if (BALANCE_ROW.test(description)) {
      previousBalance = balance ?? roundPounds(amounts[0].found.pounds);
      continue;
    }
    const moved = amounts.find((amount) => amount !== balanceCell);
    if (!moved) continue;
    const direction = directionOf({ amount: moved, balance, previousBalance, description, kind });
    const value = roundPounds(Math.abs(moved.found.pounds));
    transactions.push({ date: date.iso, description, amount: value, direction, balance });
    if (balance !== null) previousBalance = balance;
    else if (previousBalance !== null) {
      const sign = (direction === 'credit' ? 1 : -1) * (kind === 'card' ? -1 : 1);
      previousBalance = roundPounds(previousBalance + sign * value);
    }
  }
  return transactions;
}
