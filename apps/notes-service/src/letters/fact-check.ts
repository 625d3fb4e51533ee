// Amounts and dates a letter states must come from the adviser's notes: anything else is flagged, never
// sent silently. Notes are terse ("CT arrears 1200, court 14/3"), so any number in them counts as an
// amount the letter may state, and any date form below counts as a date.

export interface FactWarning {
  kind: 'amount' | 'date';
  /** Where it was found: the letter's text, or the facts the model extracted. */
  source: 'letter' | 'facts';
  /** The amount or date as written there. */
  value: string;
  message: string;
}

interface DayOfYear {
  day: number;
  month: number;
  year?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DATE_FORMS: Array<{ pattern: RegExp; read: (match: RegExpExecArray) => DayOfYear }> = [
  { pattern: /\b(\d{4})-(\d{2})-(\d{2})\b/g, read: (m) => ({ year: +m[1], month: +m[2], day: +m[3] }) },
  // 3/11 and 03/11/2026; with dots only when a year follows, so that £3.10 is not the 3rd of October.
  {
    pattern: /(?<![£\d.,])\b(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?\b/g,
    read: (m) => ({ day: +m[1], month: +m[2], year: yearOf(m[3]) }),
  },
  {
    pattern: /(?<![£\d.,])\b(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})\b/g,
    read: (m) => ({ day: +m[1], month: +m[2], year: yearOf(m[3]) }),
  },
  {
    pattern: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?(?:\\s+of)?\\s+${MONTH}\\.?(?:,?\\s+(\\d{4}))?\\b`, 'gi'),
    read: (m) => ({ day: +m[1], month: monthOf(m[2]), year: yearOf(m[3]) }),
  },
  {
    pattern: new RegExp(`\\b${MONTH}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4}))?`, 'gi'),
    read: (m) => ({ day: +m[2], month: monthOf(m[1]), year: yearOf(m[3]) }),
  },
];
const LETTER_AMOUNT =
  /£\s?(\d[\d,]*(?:\.\d{1,2})?)|\b(\d[\d,]*(?:\.\d{1,2})?)\s?(?:pounds|GBP)\b|\bGBP\s?(\d[\d,]*(?:\.\d{1,2})?)/gi;
const ANY_NUMBER = /\d[\d,]*(?:\.\d+)?/g;

function yearOf(text: string | undefined): number | undefined {
  if (!text) return undefined;
  return text.length === 2 ? 2000 + Number(text) : Number(text);
}

function monthOf(text: string): number {
  return MONTHS.indexOf(text.slice(0, 3).toLowerCase()) + 1;
}

/** An amount in pence, so that 1200, 1,200 and 1200.00 are one amount. */
function pence(text: string): number {
  return Math.round(Number(text.replace(/,/g, '')) * 100);
}

/** Every date written in the text, in any of the forms above. */
export function datesIn(text: string): Array<DayOfYear & { written: string }> {
  const found: Array<DayOfYear & { written: string }> = [];
  const taken: Array<[number, number]> = [];
  for (const form of DATE_FORMS) {
    for (const match of text.matchAll(form.pattern)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (taken.some(([from, to]) => start < to && end > from)) continue;
      const date = form.read(match as RegExpExecArray);
      if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > 31) continue;
      taken.push([start, end]);
      found.push({ ...date, written: match[0] });
    }
  }
  return found;
}

/** Every amount of money the letter states (with £, GBP or "pounds"), in pence. */
export function amountsIn(text: string): Array<{ pence: number; written: string }> {
  return [...text.matchAll(LETTER_AMOUNT)].map((match) => ({
    pence: pence(match[1] ?? match[2] ?? match[3]),
    written: match[0].trim(),
  }));
}

function sameDay(a: DayOfYear, b: DayOfYear): boolean {
  return a.day === b.day && a.month === b.month && (a.year === undefined || b.year === undefined || a.year === b.year);
}

/** What the notes allow a letter to say: every number in them (as pence) and every date. */
export class NotesEvidence {
  private readonly numbers: Set<number>;
  private readonly dates: DayOfYear[];

  constructor(notes: string) {
    this.numbers = new Set((notes.match(ANY_NUMBER) ?? []).map(pence));
    this.dates = datesIn(notes);
  }

  hasAmount(amountPence: number): boolean {
    return this.numbers.has(amountPence);
  }

  hasDate(date: DayOfYear): boolean {
    return this.dates.some((known) => sameDay(known, date));
  }

  /** Amounts and dates in a letter's text that the notes do not contain. */
  checkLetter(text: string): FactWarning[] {
    const warnings: FactWarning[] = [];
    for (const amount of amountsIn(text)) {
      if (!this.hasAmount(amount.pence)) {
        warnings.push({
          kind: 'amount',
          source: 'letter',
          value: amount.written,
          message: `the letter states ${amount.written}, which is not in the notes: check it before sending`,
        });
      }
    }
    for (const date of datesIn(text)) {
      if (!this.hasDate(date)) {
        warnings.push({
          kind: 'date',
          source: 'letter',
          value: date.written,
          message: `the letter states the date ${date.written}, which is not in the notes: check it before sending`,
        });
      }
    }
    return warnings;
  }

  /** Extracted debts and deadlines whose amount or date the notes do not contain. */
  checkFacts(facts: { debts: Array<{ amount: number }>; deadlines: Array<{ date: string }> }): FactWarning[] {
    const warnings: FactWarning[] = [];
    for (const debt of facts.debts) {
      if (!this.hasAmount(Math.round(debt.amount * 100))) {
        warnings.push({
          kind: 'amount',
          source: 'facts',
          value: String(debt.amount),
          message: `a debt of ${debt.amount} was extracted but that amount is not in the notes`,
        });
      }
    }
    for (const deadline of facts.deadlines) {
      const dates = datesIn(deadline.date);
      if (dates.length === 0 || !dates.every((date) => this.hasDate(date))) {
        warnings.push({
          kind: 'date',
          source: 'facts',
          value: deadline.date,
          message: `the deadline "${deadline.date}" was extracted but that date is not in the notes`,
        });
      }
    }
    return warnings;
  }
}
