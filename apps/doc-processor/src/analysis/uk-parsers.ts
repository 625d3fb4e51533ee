// Deterministic readers for the UK money, date and identifier formats found in clients' papers. They
// run before any LLM and are what the fact check trusts, so each one prefers a miss to a wrong read.

export interface FoundAmount {
  raw: string;
  index: number;
  /** Signed, in pence: exact, so sums balance to the penny. */
  pence: number;
  /** Signed, in pounds rounded to 2dp. */
  pounds: number;
  /** A CR/DR suffix as printed; DR makes the amount negative. */
  marker: 'CR' | 'DR' | null;
}

export interface FindAmountsOptions {
  /** Also read bare 2dp numbers ("12.50"), as in statement columns; off by default. */
  bareNumbers?: boolean;
}

export interface FoundDate {
  raw: string;
  index: number;
  /** yyyy-mm-dd */
  iso: string;
}

export interface FoundSortCode {
  raw: string;
  index: number;
  /** 12-34-56 */
  sortCode: string;
}

export interface FoundAccountNumber {
  raw: string;
  index: number;
  /** Only the last four digits are kept: enough to match accounts, too little to misuse. */
  last4: string;
}

export interface FoundReference {
  raw: string;
  index: number;
  label: string;
  reference: string;
}

export interface FoundClaimNumber {
  raw: string;
  index: number;
  claimNumber: string;
}

export interface FoundNationalInsuranceNumber {
  raw: string;
  index: number;
  /** Without spaces: AB123456C */
  niNumber: string;
}

interface Span {
  index: number;
  raw: string;
}

const GROUPED_NUMBER = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)`;
const MINUS = '[-\u2212]';
const MARKER = String.raw`(?:\s?(CR|DR)\b)?`;

const POUND_AMOUNT = new RegExp(
  String.raw`(${MINUS})?£\s?(${MINUS})?(${GROUPED_NUMBER}(?:\.\d{1,2})?)(?!\d|\.\d)${MARKER}`,
  'g',
);
const GBP_SUFFIX_AMOUNT = new RegExp(
  String.raw`(?<![\w.,£])(${MINUS})?(${GROUPED_NUMBER}(?:\.\d{2})?)\s?GBP\b${MARKER}`,
  'g',
);
const GBP_PREFIX_AMOUNT = new RegExp(
  String.raw`\bGBP\s?(${MINUS})?(${GROUPED_NUMBER}(?:\.\d{2})?)(?!\d|\.\d)${MARKER}`,
  'g',
);
// Bare numbers need exactly two decimals and no neighbouring digits, dots or slashes, so that dates
// (14.03.2027), times (10.30am), rates (24.9%) and version-like strings are not read as money.
const BARE_AMOUNT = new RegExp(
  String.raw`(?<![\w£$€.,/:])(${MINUS})?(${GROUPED_NUMBER}\.\d{2})${MARKER}(?!\d|\.\d|,\d|%|/|[A-Za-z]|\s?(?:am|pm)\b)`,
  'g',
);

function penceOf(digits: string): number {
  const [whole, fraction = ''] = digits.replace(/,/g, '').split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

function overlaps(spans: readonly Span[], index: number, length: number): boolean {
  return spans.some((span) => index < span.index + span.raw.length && span.index < index + length);
}

function amountFrom(
  match: RegExpExecArray,
  signGroups: number[],
  digitsGroup: number,
  markerGroup: number,
): FoundAmount {
  const negative = signGroups.some((group) => match[group] !== undefined);
  const marker = (match[markerGroup] as 'CR' | 'DR' | undefined) ?? null;
  const magnitude = penceOf(match[digitsGroup]);
  const pence = negative || marker === 'DR' ? -magnitude : magnitude;
  return { raw: match[0], index: match.index, pence, pounds: pence / 100, marker };
}

/** Money amounts in reading order: £1,234.56, -£12, 1,234.56 GBP, £12.00 CR/DR, and bare 12.50 on request. */
export function findAmounts(text: string, options: FindAmountsOptions = {}): FoundAmount[] {
  const found: FoundAmount[] = [];
  for (const match of text.matchAll(POUND_AMOUNT)) found.push(amountFrom(match, [1, 2], 3, 4));
  for (const match of text.matchAll(GBP_SUFFIX_AMOUNT)) {
    if (!overlaps(found, match.index, match[0].length)) found.push(amountFrom(match, [1], 2, 3));
  }
  for (const match of text.matchAll(GBP_PREFIX_AMOUNT)) {
    if (!overlaps(found, match.index, match[0].length)) found.push(amountFrom(match, [1], 2, 3));
  }
  if (options.bareNumbers) {
    const dates = findDates(text);
    for (const match of text.matchAll(BARE_AMOUNT)) {
      if (overlaps(found, match.index, match[0].length) || overlaps(dates, match.index, match[0].length)) continue;
      found.push(amountFrom(match, [1], 2, 3));
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** The first amount in a string, in pounds, or null. */
export function parseAmount(raw: string, options: FindAmountsOptions = { bareNumbers: true }): number | null {
  const [first] = findAmounts(raw, options);
  return first ? first.pounds : null;
}

/** Pounds to whole pence, immune to binary floating point (0.1 + 0.2). */
export function toPence(pounds: number): number {
  return Math.round(pounds * 100);
}

/** Pounds rounded to 2dp. */
export function roundPounds(pounds: number): number {
  return toPence(pounds) / 100;
}

/** £1,234.56, with a leading minus for negatives. */
export function formatPounds(pounds: number): string {
  const pence = toPence(pounds);
  const whole = String(Math.floor(Math.abs(pence) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = String(Math.abs(pence) % 100).padStart(2, '0');
  return `${pence < 0 ? '-' : ''}£${whole}.${fraction}`;
}

const MONTHS = [
  'jan(?:uary)?',
  'feb(?:ruary)?',
  'mar(?:ch)?',
  'apr(?:il)?',
  'may',
  'june?',
  'july?',
  'aug(?:ust)?',
  'sep(?:t(?:ember)?)?',
  'oct(?:ober)?',
  'nov(?:ember)?',
  'dec(?:ember)?',
];
const MONTH_NAME = `(${MONTHS.join('|')})\\b\\.?`;

const NUMERIC_DATE = /(?<![\w£$€.,/:-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|[.,]\d)/g;
const ISO_DATE = /(?<![\w.,/-])(\d{4})([-/])(\d{2})\2(\d{2})(?![\w/-]|[.,]\d)/g;
const DAY_MONTH_YEAR = new RegExp(
  String.raw`(?<![\w.,£])(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s-]+${MONTH_NAME},?[\s-]+(\d{4})(?!\d)`,
  'gi',
);
const MONTH_DAY_YEAR = new RegExp(String.raw`\b${MONTH_NAME}\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)`, 'gi');

function monthNumber(name: string): number {
  const lower = name.toLowerCase();
  return MONTHS.findIndex((pattern) => new RegExp(`^(?:${pattern})$`).test(lower)) + 1;
}

// Two-digit years are read as 2000-2069 or 1970-1999: clients' papers are recent, dates of birth are not.
function fullYear(year: string): number {
  const value = Number(year);
  if (year.length === 4) return value;
  return value < 70 ? 2000 + value : 1900 + value;
}

function isoOf(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Calendar dates in reading order, as ISO; impossible dates (31/02) are skipped. UK day-first order. */
export function findDates(text: string): FoundDate[] {
  const candidates: FoundDate[] = [];
  const add = (match: RegExpExecArray, iso: string | null): void => {
    if (iso) candidates.push({ raw: match[0], index: match.index, iso });
  };
  for (const match of text.matchAll(NUMERIC_DATE)) {
    // dd-mm-yy is left out: it is the shape of a sort code.
    if (match[2] === '-' && match[4].length === 2) continue;
    add(match, isoOf(fullYear(match[4]), Number(match[3]), Number(match[1])));
  }
  for (const match of text.matchAll(ISO_DATE)) add(match, isoOf(Number(match[1]), Number(match[3]), Number(match[4])));
  for (const match of text.matchAll(DAY_MONTH_YEAR)) {
    add(match, isoOf(Number(match[3]), monthNumber(match[2]), Number(match[1])));
  }
  for (const match of text.matchAll(MONTH_DAY_YEAR)) {
    add(match, isoOf(Number(match[3]), monthNumber(match[1]), Number(match[2])));
  }
  candidates.sort((a, b) => a.index - b.index || b.raw.length - a.raw.length);
  const kept: FoundDate[] = [];
  for (const candidate of candidates) {
    if (!overlaps(kept, candidate.index, candidate.raw.length)) kept.push(candidate);
  }
  return kept;
}

/** The first date in a string as ISO, or null. */
export function parseDate(raw: string): string | null {
  return findDates(raw)[0]?.iso ?? null;
}

const SORT_CODE = /(?<![\d-])(\d{2})-(\d{2})-(\d{2})(?![\d-])/g;
const LABELLED_SPACED_SORT_CODE = /\bsort\s*code\s*[:.]?\s*(\d{2})\s(\d{2})\s(\d{2})(?!\d)/gi;

/** Sort codes: 12-34-56 anywhere, 12 34 56 only after "sort code". */
export function findSortCodes(text: string): FoundSortCode[] {
  const found: FoundSortCode[] = [];
  for (const match of text.matchAll(SORT_CODE)) {
    found.push({ raw: match[0], index: match.index, sortCode: `${match[1]}-${match[2]}-${match[3]}` });
  }
  for (const match of text.matchAll(LABELLED_SPACED_SORT_CODE)) {
    if (!overlaps(found, match.index, match[0].length)) {
      found.push({ raw: match[0], index: match.index, sortCode: `${match[1]}-${match[2]}-${match[3]}` });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

const MASK = '[*Xx\u2022]';
const LABELLED_ACCOUNT_NUMBER = new RegExp(
  String.raw`\b(?:account|a/c|card)\s*(?:number|no\.?|num)?\s*[:.#]?\s*((?:${MASK}{2,}[\s-]?){0,4}\d{4,19})(?![\d-])`,
  'gi',
);
const ENDING_IN = /\bending(?:\s+in)?\s*:?\s*(\d{4})(?!\d)/gi;
const MASKED_NUMBER = new RegExp(String.raw`(?:${MASK}{4}[\s-]?){1,3}(\d{4})(?!\d)`, 'g');

/** Account and card numbers, reduced to their last four digits. */
export function findAccountNumbers(text: string): FoundAccountNumber[] {
  const found: FoundAccountNumber[] = [];
  for (const pattern of [LABELLED_ACCOUNT_NUMBER, ENDING_IN, MASKED_NUMBER]) {
    for (const match of text.matchAll(pattern)) {
      if (overlaps(found, match.index, match[0].length)) continue;
      const digits = match[1].replace(/\D/g, '');
      found.push({ raw: match[0], index: match.index, last4: digits.slice(-4) });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

const REFERENCE = new RegExp(
  [
    String.raw`\b(our\s+ref(?:erence)?|your\s+ref(?:erence)?|customer\s+(?:number|reference|ref)|`,
    String.raw`account\s+(?:number|no\.?|reference|ref)|tenancy\s+(?:reference|ref)|case\s+(?:number|reference)|`,
    String.raw`agreement\s+(?:number|no\.?)|`,
    String.raw`payment\s+reference|ref(?:erence)?(?:\s+(?:no\.?|number))?)`,
    String.raw`(?![a-z])\s*[:.#]?\s*([A-Z0-9][A-Z0-9/-]{3,24}[A-Z0-9])(?![\w/-])`,
  ].join(''),
  'gi',
);

/** Labelled references ("Our ref: ABC12345"); an id must hold a digit, so "Reference: please" is not one. */
export function findReferences(text: string): FoundReference[] {
  const found: FoundReference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const reference = match[2].toUpperCase();
    if (!/\d/.test(reference)) continue;
    found.push({
      raw: match[0],
      index: match.index,
      label: match[1].toLowerCase().replace(/\s+/g, ' '),
      reference,
    });
  }
  return found;
}

const CLAIM_WORD = /\bclaim\b/gi;
const CLAIM_ID = /(?<![A-Za-z0-9])([A-Z0-9]{8})(?![A-Za-z0-9])/;
// How far after the word "claim" an id may sit: "Claim number:", "Claim no.", or a form box label.
const CLAIM_WINDOW_CHARS = 40;

/** County court claim numbers: eight capitals and digits (K1QZ1234) shortly after the word "claim". */
export function findClaimNumbers(text: string): FoundClaimNumber[] {
  const found: FoundClaimNumber[] = [];
  for (const word of text.matchAll(CLAIM_WORD)) {
    const start = word.index + word[0].length;
    const window = text.slice(start, start + CLAIM_WINDOW_CHARS);
    const id = CLAIM_ID.exec(window);
    if (!id || !/[A-Z]/.test(id[1]) || !/\d/.test(id[1])) continue;
    if (found.some((claim) => claim.claimNumber === id[1])) continue;
    const index = start + id.index;
    found.push({ raw: id[1], index, claimNumber: id[1] });
  }
  return found;
}

const NI_NUMBER = /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])\b/g;
const INVALID_NI_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** National Insurance numbers (AB 12 34 56 C), skipping prefixes HMRC never issues. */
export function findNationalInsuranceNumbers(text: string): FoundNationalInsuranceNumber[] {
  const found: FoundNationalInsuranceNumber[] = [];
  for (const match of text.matchAll(NI_NUMBER)) {
    if (INVALID_NI_PREFIXES.has(match[1])) continue;
    found.push({ raw: match[0], index: match.index, niNumber: match.slice(1, 6).join('') });
  }
  return found;
}
