// Seeded synthetic UK documents for tests, PDF/OCR fixtures and the classifier-accuracy benchmark.
// Real clients' papers cannot be committed, so these vary issuer, wording, layout and length by seed
// to keep the classifier and extractors honest instead of keyed to one phrase. Lines stay under ~90
// characters and in WinAnsi because they are rendered into PDFs and images for OCR.

/**
 * The document types doc-processor classifies into, as its tests name them. A test library may not import
 * an app, so they are spelled here; doc-processor's specs check that the two lists are the same.
 */
export const SAMPLE_DOCUMENT_TYPES = [
  'bank_statement',
  'credit_card_statement',
  'loan_agreement',
  'debt_collection_letter',
  'court_document',
  'benefit_statement',
  'utility_bill',
  'rent_statement',
  'council_tax_bill',
  'income_evidence',
  'expenditure_evidence',
  'universal_credit_statement',
  'other',
] as const;
type DocumentType = (typeof SAMPLE_DOCUMENT_TYPES)[number];
type PriorityLevel = 'priority' | 'non_priority' | 'not_a_debt';

export type ExpectedFacts = Record<string, string | number | null>;

export interface SampleDocument {
  type: DocumentType;
  title: string;
  /** Lines per page. */
  pages: string[][];
  expected: {
    /** Key amounts printed in the document, in pounds with 2dp ("1234.56"). */
    amounts: string[];
    /** Key dates printed in the document, ISO. */
    dates: string[];
    priority: PriorityLevel;
    /** The facts an extractor should recover, named as in the extraction schemas. */
    facts: ExpectedFacts;
  };
}

/** A tiny seeded PRNG (mulberry32): same seed, same document, on every machine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed * 2654435761 + 97);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  digits(count: number): string {
    return Array.from({ length: count }, () => String(this.int(0, 9))).join('');
  }
  letters(count: number): string {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
    return Array.from({ length: count }, () => this.pick([...alphabet])).join('');
  }
}

// ---- formatting ----

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type DateStyle = 'slash' | 'short' | 'dot' | 'long' | 'ordinal' | 'abbr' | 'us' | 'iso';

function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function isoOf(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function lastDayOf(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function ordinal(day: number): string {
  if (day % 100 >= 11 && day % 100 <= 13) return `${day}th`;
  return `${day}${['th', 'st', 'nd', 'rd'][day % 10] ?? 'th'}`;
}

function formatDate(iso: string, style: DateStyle): string {
  const [year, month, day] = iso.split('-').map(Number);
  const dd = String(day).padStart(2, '0');
  const mm = String(month).padStart(2, '0');
  const name = MONTH_NAMES[month - 1];
  switch (style) {
    case 'slash':
      return `${dd}/${mm}/${year}`;
    case 'short':
      return `${dd}/${mm}/${String(year).slice(2)}`;
    case 'dot':
      return `${dd}.${mm}.${year}`;
    case 'long':
      return `${day} ${name} ${year}`;
    case 'ordinal':
      return `${ordinal(day)} ${name.slice(0, 3)} ${year}`;
    case 'abbr':
      return `${dd} ${name.slice(0, 3)} ${year}`;
    case 'us':
      return `${name} ${day}, ${year}`;
    case 'iso':
      return iso;
  }
}

function grouped(pence: number): string {
  const whole = String(Math.floor(Math.abs(pence) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}.${String(Math.abs(pence) % 100).padStart(2, '0')}`;
}

function pounds(pence: number): string {
  return `${pence < 0 ? '-' : ''}£${grouped(pence)}`;
}

function bare(pence: number): string {
  return `${pence < 0 ? '-' : ''}${grouped(pence)}`;
}

function decimal(pence: number): string {
  return (pence / 100).toFixed(2);
}

function wrap(text: string, width = 82): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function columns(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 || i === 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
    .join('  ')
    .trimEnd();
}

function paginate({
  body,
  linesPerPage,
  header,
  footer,
}: {
  body: string[];
  linesPerPage: number;
  header: (page: number, total: number) => string[];
  footer: (page: number, total: number) => string[];
}): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < body.length; start += linesPerPage) chunks.push(body.slice(start, start + linesPerPage));
  return chunks.map((chunk, i) => [...header(i + 1, chunks.length), ...chunk, ...footer(i + 1, chunks.length)]);
}

// ---- shared pools ----

const FIRST_NAMES = [
  'Aisha',
  'Ben',
  'Chloe',
  'Daniel',
  'Emma',
  'Farid',
  'Grace',
  'Harry',
  'Imran',
  'Jade',
  'Kieran',
  'Lucy',
  'Mohammed',
  'Niamh',
  'Owen',
  'Priya',
  'Ryan',
  'Sophie',
  'Tomasz',
  'Zainab',
];
const SURNAMES = [
  'Ahmed',
  'Brown',
  'Clarke',
  'Davies',
  'Evans',
  'Fletcher',
  'Green',
  'Hughes',
  'Iqbal',
  'Jones',
  'Kowalski',
  'Lewis',
  'Murphy',
  'Nowak',
  'Okafor',
  'Patel',
  'Roberts',
  'Singh',
  'Taylor',
  'Walker',
];
const STREETS = [
  'Mill Lane',
  'Church Street',
  'Victoria Road',
  'Park Avenue',
  'Station Road',
  'Queens Drive',
  'Elm Grove',
  'Canal Street',
  'Hawthorn Close',
  'Market Place',
];
const TOWNS = [
  { town: 'Leeds', postcode: 'LS' },
  { town: 'Bristol', postcode: 'BS' },
  { town: 'Nottingham', postcode: 'NG' },
  { town: 'Cardiff', postcode: 'CF' },
  { town: 'Sheffield', postcode: 'S' },
  { town: 'Norwich', postcode: 'NR' },
  { town: 'Preston', postcode: 'PR' },
  { town: 'Leicester', postcode: 'LE' },
  { town: 'Hull', postcode: 'HU' },
  { town: 'Stoke-on-Trent', postcode: 'ST' },
];

interface Person {
  name: string;
  address: string[];
}

function person(dice: Dice): Person {
  const name = `${dice.pick(['Mr', 'Ms', 'Mrs', 'Miss', 'Mx'])} ${dice.pick(FIRST_NAMES)} ${dice.pick(SURNAMES)}`;
  const place = dice.pick(TOWNS);
  const postcode = `${place.postcode}${dice.int(1, 28)} ${dice.int(1, 9)}${dice.letters(2)}`;
  return { name, address: [`${dice.int(1, 240)} ${dice.pick(STREETS)}`, place.town, postcode] };
}

interface Draft {
  amounts: string[];
  dates: string[];
}

function draft(): Draft {
  return { amounts: [], dates: [] };
}

function money(d: Draft, pence: number, style: 'pounds' | 'bare' = 'pounds'): string {
  if (!d.amounts.includes(decimal(Math.abs(pence)))) d.amounts.push(decimal(Math.abs(pence)));
  return style === 'pounds' ? pounds(pence) : bare(pence);
}

function day(d: Draft, iso: string, style: DateStyle): string {
  if (!d.dates.includes(iso)) d.dates.push(iso);
  return formatDate(iso, style);
}

function baseDate(dice: Dice): { year: number; month: number } {
  return { year: dice.pick([2026, 2027]), month: dice.int(1, 12) };
}

function claimNumber(dice: Dice): string {
  return `${dice.pick(['K', 'F', 'H', 'J'])}${dice.int(0, 9)}${dice.letters(2)}${dice.digits(2)}${dice.letters(1)}${dice.digits(1)}`;
}

function letterDateStyle(dice: Dice): DateStyle {
  return dice.pick(['long', 'long', 'ordinal', 'slash', 'abbr']);
}

// ---- statements ----

interface Movement {
  description: string;
  pence: number;
  credit: boolean;
}

const BANKS = [
  'Northway Bank',
  'Thistle Bank',
  'Harbour Building Society',
  'Pennine Savings Bank',
  'Albion Bank plc',
  'Severn Bank',
  'Kestrel Bank',
  'Union Street Bank',
];
const DEBITS = [
  'CARD PAYMENT TESCO STORES',
  'CARD PAYMENT ASDA',
  'DD COUNCIL TAX',
  'DD OCTOPUS ENERGY',
  'SO RENT HOMEGROUP',
  'CASH WITHDRAWAL LINK ATM',
  'DD VODAFONE',
  'CARD PAYMENT LIDL',
  'DD SEVERN TRENT WATER',
  'CARD PAYMENT BOOTS',
  'DD TV LICENCE',
  'CARD PAYMENT GREGGS',
  'FASTER PAYMENT J SMITH',
  'DD LENDWELL LOANS',
  'CARD PAYMENT SHELL',
];
const CREDITS = [
  'SALARY ACME FOODS LTD',
  'UNIVERSAL CREDIT DWP',
  'CHILD BENEFIT HMRC',
  'TRANSFER FROM SAVINGS',
  'REFUND AMAZON',
  'FASTER PAYMENT FROM MUM',
];

function movements(
  dice: Dice,
  count: number,
  creditShare: number,
  debitPool: readonly string[],
  creditPool: readonly string[],
): Movement[] {
  return Array.from({ length: count }, () => {
    const credit = dice.chance(creditShare);
    const pence = credit ? dice.int(2_000, 160_000) : dice.int(150, 45_000);
    return { description: dice.pick(credit ? creditPool : debitPool), pence, credit };
  });
}

function spreadDates(dice: Dice, from: string, days: number, count: number): string[] {
  return Array.from({ length: count }, () => dice.int(0, days))
    .sort((a, b) => a - b)
    .map((offset) => addDays(from, offset));
}

function bankStatement(dice: Dice): SampleDocument {
  const d = draft();
  const bank = dice.pick(BANKS);
  const holder = person(dice);
  const sortCode = `${dice.int(10, 99)}-${dice.digits(2)}-${dice.digits(2)}`;
  const accountNumber = `${dice.int(1, 9)}${dice.digits(7)}`;
  const { year, month } = baseDate(dice);
  const from = isoOf(year, month, 1);
  const to = isoOf(year, month, lastDayOf(year, month));
  const labels = dice.pick([
    { open: 'Opening balance', close: 'Closing balance', in: 'Money in', out: 'Money out' },
    { open: 'Balance brought forward', close: 'Balance carried forward', in: 'Total paid in', out: 'Total paid out' },
    { open: 'Start balance', close: 'End balance', in: 'Payments in', out: 'Payments out' },
  ]);
  const layout = dice.pick(['split', 'split', 'signed'] as const);
  const rowDate = dice.pick(['slash', 'abbr', 'dot', 'short'] as const);
  const count = dice.int(6, 48);
  const rows = movements(dice, count, 0.25, DEBITS, CREDITS);
  const dates = spreadDates(dice, from, lastDayOf(year, month) - 1, count);
  const opening = dice.int(-20_000, 250_000);
  let balance = opening;
  let paidIn = 0;
  let paidOut = 0;
  const widths = layout === 'split' ? [11, 26, 9, 9, 10] : [11, 26, 10, 10];
  const tableHeader =
    layout === 'split'
      ? columns(
          [
            'Date',
            'Description',
            dice.pick(['Paid out', 'Money out', 'Out']),
            dice.pick(['Paid in', 'Money in', 'In']),
            'Balance',
          ],
          widths,
        )
      : columns(['Date', dice.pick(['Description', 'Details', 'Transaction']), 'Amount', 'Balance'], widths);
  const body: string[] = [];
  rows.forEach((row, i) => {
    balance += row.credit ? row.pence : -row.pence;
    if (row.credit) paidIn += row.pence;
    else paidOut += row.pence;
    const date = formatDate(dates[i], rowDate);
    const cells =
      layout === 'split'
        ? [date, row.description, row.credit ? '' : bare(row.pence), row.credit ? bare(row.pence) : '', bare(balance)]
        : [date, row.description, row.credit ? `+${bare(row.pence)}` : `-${bare(row.pence)}`, bare(balance)];
    body.push(columns(cells, widths));
  });
  const closing = balance;
  const statementTitle = dice.pick(['Current account statement', 'Statement of account', 'Account statement']);
  const intro = [
    holder.name,
    ...holder.address,
    '',
    `${dice.pick(['Statement period', 'Statement date range', 'Your statement for'])} ${day(d, from, 'long')} to ${day(d, to, 'long')}`,
    '',
    dice.pick(['Your account summary', 'Account summary', 'Summary']),
    `${labels.open.padEnd(28)}${money(d, opening)}`,
    `${labels.in.padEnd(28)}${money(d, paidIn)}`,
    `${labels.out.padEnd(28)}${money(d, paidOut)}`,
    `${labels.close.padEnd(28)}${money(d, closing)}`,
    '',
  ];
  const outro = ['', `${labels.close} ${money(d, closing)}`];
  const pages = paginate({
    body: [...intro, ...body, ...outro],
    linesPerPage: dice.int(24, 30),
    header: () => [bank, statementTitle, `Sort code ${sortCode}   Account number ${accountNumber}`, '', tableHeader],
    footer: (page, total) => [
      '',
      `Page ${page} of ${total}`,
      `${bank} is authorised by the Prudential Regulation Authority.`,
    ],
  });
  // The table header sits at the top of each page, as banks print it; the summary on page 1 comes
  // before it in a real statement, so move page 1's header line below the summary.
  const first = pages[0];
  const headerIndex = first.indexOf(tableHeader);
  first.splice(headerIndex, 1);
  const summaryEnd = first.findIndex((line, i) => i > headerIndex && line.startsWith(labels.close)) + 2;
  first.splice(summaryEnd, 0, tableHeader);
  return {
    type: 'bank_statement',
    title: `${bank} statement`,
    pages,
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: 'not_a_debt',
      facts: {
        openingBalance: opening / 100,
        closingBalance: closing / 100,
        transactionCount: count,
        sortCode,
        accountLast4: accountNumber.slice(-4),
        periodFrom: from,
        periodTo: to,
      },
    },
  };
}

const CARD_ISSUERS = [
  'Meridian Card Services',
  'Lark Credit Card',
  'Castle Rewards Card',
  'Bluefin Visa',
  'Aurora Mastercard',
  'Wren Credit',
];
const CARD_SPENDS = [
  'AMAZON MARKETPLACE',
  'TESCO STORES',
  'ARGOS LTD',
  'TRAINLINE',
  'JUST EAT',
  'PRIMARK',
  'SHELL FUEL',
  'NETFLIX',
  'CURRYS',
  'B&Q',
];

function creditCardStatement(dice: Dice): SampleDocument {
  const d = draft();
  const issuer = dice.pick(CARD_ISSUERS);
  const holder = person(dice);
  const last4 = dice.digits(4);
  const { year, month } = baseDate(dice);
  const from = isoOf(year, month, dice.int(1, 5));
  const to = addDays(from, 29);
  const limit = dice.pick([50_000, 100_000, 150_000, 250_000, 400_000]);
  const opening = dice.int(10_000, limit - 5_000);
  const count = dice.int(4, 30);
  const rows: Movement[] = Array.from({ length: count }, () => ({
    description: dice.pick(CARD_SPENDS),
    pence: dice.int(300, 12_000),
    credit: false,
  }));
  const payment = dice.int(2_500, 30_000);
  rows.splice(dice.int(0, rows.length), 0, {
    description: dice.pick(['PAYMENT RECEIVED - THANK YOU', 'DIRECT DEBIT PAYMENT', 'PAYMENT THANK YOU']),
    pence: payment,
    credit: true,
  });
  const interest = Math.round(opening * 0.02);
  rows.push({ description: 'INTEREST ON PURCHASES', pence: interest, credit: false });
  const dates = spreadDates(dice, from, 29, rows.length);
  const purchases = rows.filter((row) => !row.credit).reduce((sum, row) => sum + row.pence, 0);
  const closing = opening + purchases - payment;
  const minimum = Math.max(2_500, Math.round(closing * 0.03));
  const due = addDays(to, 25);
  const rowDate = dice.pick(['abbr', 'slash', 'short'] as const);
  const twoDates = dice.chance(0.4);
  const widths = twoDates ? [11, 11, 28, 12] : [11, 30, 12];
  const tableHeader = twoDates
    ? columns(['Date', 'Posted', 'Transaction details', 'Amount'], widths)
    : columns(['Date', 'Transaction details', 'Amount'], widths);
  const body = rows.map((row, i) => {
    const amount = row.credit ? `${bare(row.pence)} CR` : bare(row.pence);
    const date = formatDate(dates[i], rowDate);
    return twoDates
      ? columns(
          [
            date,
            formatDate(addDays(dates[i], 1) > to ? dates[i] : addDays(dates[i], 1), rowDate),
            row.description,
            amount,
          ],
          widths,
        )
      : columns([date, row.description, amount], widths);
  });
  const cardLine = dice.chance(0.5) ? `Card number ending ${last4}` : `Card number **** **** **** ${last4}`;
  const dueLabel = dice.pick(['Payment due date', 'Please pay by', 'Pay by']);
  const intro = [
    holder.name,
    ...holder.address,
    '',
    cardLine,
    `Statement date ${day(d, to, 'long')}`,
    '',
    `${dice.pick(['Previous balance', 'Opening balance', 'Balance from last statement'])}`.padEnd(30) +
      money(d, opening),
    `${'Payments and credits'.padEnd(30)}${money(d, payment)}`,
    `${'New transactions and interest'.padEnd(30)}${money(d, purchases)}`,
    `${dice.pick(['New balance', 'Closing balance', 'Statement balance'])}`.padEnd(30) + money(d, closing),
    '',
    `${'Credit limit'.padEnd(30)}${money(d, limit)}`,
    `${'Available credit'.padEnd(30)}${pounds(Math.max(0, limit - closing))}`,
    `${'Minimum payment'.padEnd(30)}${money(d, minimum)}`,
    `${dueLabel.padEnd(30)}${day(d, due, dice.pick(['long', 'slash', 'abbr']))}`,
    '',
    ...wrap(
      'Minimum payment warning: if you make only the minimum payment each month, it will take you longer and cost you more to clear your balance.',
    ),
    '',
    `Purchase rate ${dice.pick(['22.9', '24.9', '29.9', '34.9'])}% p.a. (variable)`,
    '',
    tableHeader,
  ];
  const pages = paginate({
    body: [...intro, ...body],
    linesPerPage: dice.int(26, 34),
    header: (page) => [issuer, page === 1 ? 'Your credit card statement' : `Credit card statement continued`, ''],
    footer: (page, total) => ['', `Page ${page} of ${total}`],
  });
  return {
    type: 'credit_card_statement',
    title: `${issuer} statement`,
    pages,
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: 'non_priority',
      facts: {
        openingBalance: opening / 100,
        closingBalance: closing / 100,
        transactionCount: rows.length,
        creditLimit: limit / 100,
        minimumPayment: minimum / 100,
        paymentDueDate: due,
        accountLast4: last4,
      },
    },
  };
}

// ---- credit agreements and letters ----

const LENDERS = [
  'Lendwell Finance',
  'Oakbridge Loans',
  'Cobalt Personal Finance',
  'Fairway Credit',
  'Northstar Motor Finance',
  'Brightside Home Loans',
];

function loanAgreement(dice: Dice): SampleDocument {
  const d = draft();
  const lender = dice.pick(LENDERS);
  const borrower = person(dice);
  const kind = dice.pick(['fixed', 'fixed', 'hire', 'secured'] as const);
  const principal = dice.pick([1_000, 2_500, 5_000, 7_500, 10_000, 15_000]) * 100;
  const term = dice.pick([12, 24, 36, 48, 60]);
  const apr = dice.pick([6.9, 9.9, 14.9, 19.9, 29.9, 49.9]);
  const rate = Math.pow(1 + apr / 100, 1 / 12) - 1;
  const monthly = Math.round((principal * rate) / (1 - Math.pow(1 + rate, -term)));
  const total = monthly * term;
  const { year, month } = baseDate(dice);
  const signed = isoOf(year, month, dice.int(1, 28));
  const firstPayment = addDays(signed, 30);
  const reference = `${dice.letters(2)}${dice.digits(7)}`;
  const style = letterDateStyle(dice);
  const heading = {
    fixed: 'Fixed Sum Loan Agreement regulated by the Consumer Credit Act 1974',
    hire: 'Hire Purchase Agreement regulated by the Consumer Credit Act 1974',
    secured: 'Secured Loan Agreement regulated by the Consumer Credit Act 1974',
  }[kind];
  const body = [
    ...wrap(heading),
    '',
    `Agreement number ${reference}`,
    `Date of agreement ${day(d, signed, style)}`,
    '',
    `Lender: ${lender}`,
    `Borrower: ${borrower.name}, ${borrower.address.join(', ')}`,
    '',
    'Key financial information',
    `${'Amount of credit'.padEnd(34)}${money(d, principal)}`,
    `${'Duration of the agreement'.padEnd(34)}${term} months`,
    `${'Monthly repayment'.padEnd(34)}${money(d, monthly)}`,
    `${'Number of repayments'.padEnd(34)}${term}`,
    `${'First repayment date'.padEnd(34)}${day(d, firstPayment, style)}`,
    `${'Total amount payable'.padEnd(34)}${money(d, total)}`,
    `${'APR'.padEnd(34)}${apr}%`,
    `${'Rate of interest'.padEnd(34)}${(apr * 0.93).toFixed(2)}% a year, fixed`,
    '',
    ...(kind === 'hire'
      ? wrap(
          `Goods: ${dice.pick(['Ford Fiesta 1.0', 'Vauxhall Corsa 1.2', 'Toyota Yaris 1.5'])}. The goods belong to the lender until all payments are made.`,
        )
      : []),
    ...(kind === 'secured'
      ? wrap(
          'Security: this loan is secured by a legal charge over your home. Your home may be repossessed if you do not keep up repayments.',
        )
      : []),
    '',
    ...wrap(
      'Right of withdrawal: you have 14 days from the day after the agreement is made to withdraw without giving any reason.',
    ),
    '',
    ...wrap(
      'Missing payments could have severe consequences and make obtaining credit more difficult. We may charge a default fee of £12.00 for each missed payment.',
    ),
    '',
    ...wrap(
      'Early settlement: you may repay all or part of the credit early at any time. You may be charged compensation.',
    ),
    '',
    'Signature of borrower ______________________   Date ____________',
    'Signed for and on behalf of the lender ______________________',
  ];
  const pages = paginate({
    body,
    linesPerPage: dice.int(16, 40),
    header: () => [lender, ''],
    footer: (page, total) => ['', `${reference}   Page ${page} of ${total}`],
  });
  return {
    type: 'loan_agreement',
    title: `${lender} ${kind} agreement`,
    pages,
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: kind === 'fixed' ? 'non_priority' : 'priority',
      facts: { creditor: lender, reference, apr, monthlyPayment: monthly / 100, term, balance: total / 100 },
    },
  };
}

interface OwedTo {
  creditor: string;
  what: string;
  priority: PriorityLevel;
}

const OWED_TO: readonly OwedTo[] = [
  { creditor: 'Bluefin Visa', what: 'credit card account', priority: 'non_priority' },
  { creditor: 'Very Catalogue', what: 'catalogue account', priority: 'non_priority' },
  { creditor: 'Kestrel Mobile', what: 'mobile phone contract', priority: 'non_priority' },
  { creditor: 'Lendwell Finance', what: 'personal loan', priority: 'non_priority' },
  { creditor: 'Albion Bank plc', what: 'overdraft', priority: 'non_priority' },
  { creditor: 'Brightwater Water', what: 'water charges account', priority: 'non_priority' },
  { creditor: 'Volt Energy', what: 'electricity account', priority: 'priority' },
  { creditor: 'Hearth Gas and Power', what: 'gas account', priority: 'priority' },
];
const AGENCIES = [
  'Lowther Collections Ltd',
  'Castlegate Credit Management',
  'Redmoor Recovery Services',
  'Pinnacle Debt Recovery',
  'Ashdown Credit Services',
];
const PURCHASERS = ['Cabot Point Portfolio', 'Larchfield Debt Purchase Ltd', 'Graystone Assets'];
const ENFORCEMENT = ['Marston Row Enforcement', 'Bridgewell Enforcement Agents', 'Kingsgate Enforcement'];
const COUNCILS = [
  'Brackenford Borough Council',
  'Eastmoor District Council',
  'City of Westhaven Council',
  'Ravensby Metropolitan Borough Council',
  'Tollbridge Council',
];

function debtCollectionLetter(dice: Dice): SampleDocument {
  const d = draft();
  const client = person(dice);
  const variant = dice.pick(['agency', 'agency', 'purchaser', 'enforcement'] as const);
  const owed = dice.pick(OWED_TO);
  const { year, month } = baseDate(dice);
  const sent = isoOf(year, month, dice.int(1, 20));
  const deadline = addDays(sent, dice.pick([7, 14, 21]));
  const balance = dice.int(8_000, 650_000);
  const reference = `${dice.letters(dice.int(1, 3))}${dice.digits(dice.int(6, 9))}`;
  const style = letterDateStyle(dice);
  let sender: string;
  let creditor: string;
  let originalCreditor: string | null = null;
  let priority = owed.priority;
  let paragraphs: string[];
  let subject: string;
  if (variant === 'enforcement') {
    sender = dice.pick(ENFORCEMENT);
    const council = dice.pick(COUNCILS);
    const isFine = dice.chance(0.4);
    creditor = isFine ? 'HM Courts and Tribunals Service' : council;
    priority = 'priority';
    const fee = 7_500;
    subject = 'NOTICE OF ENFORCEMENT';
    paragraphs = [
      isFine
        ? `We have been instructed to collect an unpaid magistrates' court fine under a warrant of control issued by the court.`
        : `${council} has passed your unpaid council tax to us for collection under a liability order granted by the magistrates.`,
      `The amount outstanding is ${money(d, balance)} including the compliance stage fee of ${money(d, fee)}.`,
      `You must pay the full amount or contact us to agree a payment arrangement by ${day(d, deadline, style)}.`,
      'If you do not, an enforcement agent will visit your home to take control of goods, and further fees will be added.',
    ];
  } else if (variant === 'purchaser') {
    sender = dice.pick(PURCHASERS);
    creditor = sender;
    originalCreditor = owed.creditor;
    subject = dice.pick(['Notice of assignment', 'Your account has been sold to us']);
    paragraphs = [
      `${owed.creditor} has assigned (sold) your ${owed.what} to ${sender}. We now own the debt and you should pay us.`,
      `The balance of your account is ${money(d, balance)}.`,
      `Please call us or set up a payment plan online by ${day(d, deadline, style)}.`,
      'If we do not hear from you, we may pass your account to a debt collection agency or consider legal action.',
    ];
  } else {
    sender = dice.pick(AGENCIES);
    creditor = owed.creditor;
    subject = dice.pick(['Outstanding balance', 'Your account is overdue', 'Request for payment', 'Final reminder']);
    paragraphs = [
      dice.pick([
        `We have been instructed by our client, ${owed.creditor}, to recover the balance on your ${owed.what}.`,
        `Your ${owed.what} with ${owed.creditor} has been passed to us for collection.`,
      ]),
      `The amount you owe is ${money(d, balance)}.`,
      dice.pick([
        `Please pay this amount in full, or contact us to discuss an affordable repayment plan, by ${day(d, deadline, style)}.`,
        `You must contact us by ${day(d, deadline, style)} to make a payment or agree a payment arrangement.`,
      ]),
      'This is a debt collection letter. If you are struggling, free debt advice is available from StepChange and Citizens Advice.',
    ];
  }
  const lines = [
    sender,
    `${dice.pick(['PO Box', 'Unit'])} ${dice.int(10, 999)}, ${dice.pick(TOWNS).town}`,
    `Tel 0${dice.int(300, 333)} ${dice.digits(3)} ${dice.digits(4)}`,
    '',
    client.name,
    ...client.address,
    '',
    day(d, sent, style),
    `${dice.pick(['Our ref', 'Our reference', 'Reference'])}: ${reference}`,
    ...(variant === 'agency' ? [`Creditor: ${creditor}`] : []),
    ...(variant === 'enforcement' ? [`Client: ${creditor}`] : []),
    ...(originalCreditor ? [`Original creditor: ${originalCreditor}`] : []),
    '',
    subject,
    '',
    `Dear ${client.name}`,
    '',
    ...paragraphs.flatMap((paragraph) => [...wrap(paragraph), '']),
    'Yours sincerely',
    '',
    `${dice.pick(['Collections Team', 'Customer Accounts', 'Recoveries Department'])}`,
    sender,
  ];
  const pages = dice.chance(0.3)
    ? [
        lines,
        [
          sender,
          '',
          'How to pay',
          ...wrap(`Online at www.example-payments.co.uk quoting reference ${reference}.`),
          'By phone: call our automated line 24 hours a day.',
          'By bank transfer: use your reference as the payment reference.',
        ],
      ]
    : [lines];
  return {
    type: 'debt_collection_letter',
    title: `${sender}: ${subject}`,
    pages,
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority,
      facts: { creditor, originalCreditor, reference, balance: balance / 100, deadline },
    },
  };
}

function courtDocument(dice: Dice): SampleDocument {
  const d = draft();
  const defendant = person(dice);
  const variant = dice.pick(['claim', 'claim', 'hearing', 'fine'] as const);
  const { year, month } = baseDate(dice);
  const issued = isoOf(year, month, dice.int(1, 28));
  const style = dice.pick(['long', 'slash', 'abbr'] as const);
  const number = claimNumber(dice);
  const facts: ExpectedFacts = {};
  let priority: PriorityLevel = 'non_priority';
  let lines: string[];
  if (variant === 'claim') {
    const claimant = dice.pick([...PURCHASERS, ...LENDERS, 'Bluefin Visa']);
    const claimed = dice.int(30_000, 1_200_000);
    const fee = claimed < 500_000 ? 11_500 : 20_500;
    const costs = dice.pick([5_000, 8_000, 10_000]);
    const total = claimed + fee + costs;
    lines = [
      'Claim Form',
      'In the County Court Business Centre',
      `${dice.pick(['Claim number', 'Claim no.', 'Claim No'])} ${number}`,
      `Issue date ${day(d, issued, style)}`,
      '',
      `Claimant: ${claimant}, ${dice.pick(TOWNS).town}`,
      `Defendant: ${defendant.name}, ${defendant.address.join(', ')}`,
      '',
      'Brief details of claim',
      ...wrap(
        `The claimant claims the sum of ${money(d, claimed)} being monies due under a regulated credit agreement which the defendant has failed to pay.`,
      ),
      '',
      `${'Amount claimed'.padEnd(36)}${money(d, claimed, 'pounds')}`,
      `${'Court fee'.padEnd(36)}${money(d, fee)}`,
      `${"Legal representative's costs".padEnd(36)}${money(d, costs)}`,
      `${dice.pick(['Total amount', 'Total amount claimed'])}`.padEnd(36) + money(d, total),
      '',
      ...wrap(
        'You must respond within 14 days of service. You can admit, defend or say you need more time using the response pack. If you do not respond, judgment may be entered against you.',
      ),
      '',
      ...wrap('Statement of truth: The claimant believes that the facts stated in this claim form are true.'),
    ];
    Object.assign(facts, { claimNumber: number, amountClaimed: total / 100, hearingDate: null });
  } else if (variant === 'hearing') {
    const court = `County Court at ${dice.pick(TOWNS).town}`;
    const about = dice.pick(['rent', 'mortgage', 'small'] as const);
    const hearing = addDays(issued, dice.int(28, 70));
    const claimed = dice.int(80_000, 900_000);
    priority = about === 'small' ? 'non_priority' : 'priority';
    const claimant =
      about === 'rent'
        ? dice.pick(['Homegroup Housing Association', 'Westhaven Homes'])
        : about === 'mortgage'
          ? dice.pick(['Harbour Building Society', 'Brightside Home Loans'])
          : dice.pick(PURCHASERS);
    lines = [
      `In the ${court}`,
      `Claim Number: ${number}`,
      '',
      `${claimant} (Claimant)`,
      `${defendant.name} (Defendant)`,
      '',
      about === 'small' ? 'NOTICE OF HEARING' : 'NOTICE OF HEARING OF POSSESSION CLAIM',
      '',
      ...wrap(
        about === 'rent'
          ? `The claimant landlord has made a possession claim for your home because of rent arrears of ${money(d, claimed)}.`
          : about === 'mortgage'
            ? `The claimant lender has made a possession claim for your home because of mortgage arrears of ${money(d, claimed)}.`
            : `The claimant claims ${money(d, claimed)}. The claim has been allocated to the small claims track.`,
      ),
      '',
      `The hearing will take place on ${day(d, hearing, 'long')} at ${dice.pick(['10:00 am', '10.30 am', '2:00 pm'])}.`,
      `Hearing date: ${formatDate(hearing, style)}`,
      `Venue: ${court}, ${dice.pick(STREETS)}`,
      '',
      ...wrap(
        'You should attend the hearing. If you do not, the court may make an order in your absence. Get advice immediately.',
      ),
      '',
      `Dated ${day(d, issued, style)}`,
    ];
    Object.assign(facts, { claimNumber: number, hearingDate: hearing, amountClaimed: claimed / 100 });
  } else {
    priority = 'priority';
    const court = `${dice.pick(TOWNS).town} Magistrates' Court`;
    const fine = dice.int(10_000, 120_000);
    const victim = 8_500;
    const costs = dice.pick([8_500, 12_000, 62_000]);
    const total = fine + victim + costs;
    const due = addDays(issued, 28);
    lines = [
      'HM Courts and Tribunals Service',
      court,
      '',
      'NOTICE OF FINE AND COLLECTION ORDER',
      `Account number ${dice.digits(2)}/${dice.digits(6)}`,
      `Date of order ${day(d, issued, style)}`,
      '',
      `Defendant: ${defendant.name}`,
      '',
      `${'Fine'.padEnd(30)}${money(d, fine)}`,
      `${'Victim surcharge'.padEnd(30)}${money(d, victim)}`,
      `${'Prosecution costs'.padEnd(30)}${money(d, costs)}`,
      `${'Total to pay'.padEnd(30)}${money(d, total)}`,
      '',
      `Pay in full by ${day(d, due, 'long')}.`,
      ...wrap(
        'If you do not pay, the court may take money from your wages or benefits, send enforcement agents, or issue a warrant for your arrest.',
      ),
    ];
    Object.assign(facts, { claimNumber: null, hearingDate: null, amountClaimed: total / 100 });
  }
  return {
    type: 'court_document',
    title: `Court document (${variant})`,
    pages: [lines],
    expected: { amounts: d.amounts, dates: d.dates, priority, facts },
  };
}

// ---- benefits and income ----

interface BenefitKind {
  name: string;
  office: string;
  lines: (d: Draft, dice: Dice) => { lines: string[]; weekly: number };
}

const BENEFITS: readonly BenefitKind[] = [
  {
    name: 'Personal Independence Payment',
    office: 'Department for Work and Pensions',
    lines: (d, dice) => {
      const daily = dice.pick([7_390, 11_040]);
      const mobility = dice.pick([2_920, 7_705]);
      return {
        weekly: daily + mobility,
        lines: [
          `${'Daily living component'.padEnd(34)}${money(d, daily)} a week`,
          `${'Mobility component'.padEnd(34)}${money(d, mobility)} a week`,
        ],
      };
    },
  },
  {
    name: 'Employment and Support Allowance',
    office: 'Department for Work and Pensions',
    lines: (d, dice) => {
      const basic = 9_050;
      const support = dice.pick([0, 4_760]);
      return {
        weekly: basic + support,
        lines: [
          `${'Basic allowance'.padEnd(34)}${money(d, basic)} a week`,
          ...(support ? [`${'Support component'.padEnd(34)}${money(d, support)} a week`] : []),
        ],
      };
    },
  },
  {
    name: 'Child Benefit',
    office: 'HM Revenue and Customs, Child Benefit Office',
    lines: (d, dice) => {
      const children = dice.int(1, 3);
      const weekly = 2_540 + (children - 1) * 1_680;
      return {
        weekly,
        lines: [
          `Child Benefit for ${children} ${children === 1 ? 'child' : 'children'}`.padEnd(34) +
            `${money(d, weekly)} a week`,
        ],
      };
    },
  },
  {
    name: "Carer's Allowance",
    office: "Department for Work and Pensions, Carer's Allowance Unit",
    lines: (d) => ({ weekly: 8_155, lines: [`${"Carer's Allowance".padEnd(34)}${money(d, 8_155)} a week`] }),
  },
  {
    name: 'Pension Credit',
    office: 'The Pension Service, part of the Department for Work and Pensions',
    lines: (d, dice) => {
      const weekly = dice.int(1_000, 9_000);
      return { weekly, lines: [`${'Guarantee Credit'.padEnd(34)}${money(d, weekly)} a week`] };
    },
  },
  {
    name: "Jobseeker's Allowance",
    office: 'Jobcentre Plus, Department for Work and Pensions',
    lines: (d) => ({
      weekly: 9_050,
      lines: [`${"New Style Jobseeker's Allowance".padEnd(34)}${money(d, 9_050)} a week`],
    }),
  },
];

function benefitStatement(dice: Dice): SampleDocument {
  const d = draft();
  const claimant = person(dice);
  const benefit = dice.pick(BENEFITS);
  const { year, month } = baseDate(dice);
  const sent = isoOf(year, month, dice.int(1, 20));
  const from = addDays(sent, dice.int(3, 10));
  const style = letterDateStyle(dice);
  const detail = benefit.lines(d, dice);
  const every = dice.pick([1, 2, 4]);
  const paid = detail.weekly * every;
  const firstPayment = addDays(from, 7 * every - 1);
  const ni = `${dice.pick(['AB', 'JK', 'PR', 'SH', 'WE'])}${dice.digits(6)}${dice.pick(['A', 'B', 'C', 'D'])}`;
  const lines = [
    benefit.office,
    '',
    claimant.name,
    ...claimant.address,
    '',
    `Date ${day(d, sent, style)}`,
    `National Insurance number ${ni}`,
    '',
    dice.pick([`Your ${benefit.name} award`, `${benefit.name}: decision letter`, `About your ${benefit.name}`]),
    '',
    `Dear ${claimant.name}`,
    '',
    ...wrap(
      `We have looked at your claim and decided you are entitled to ${benefit.name} from ${day(d, from, style)}.`,
    ),
    '',
    'How much you will get',
    ...detail.lines,
    '',
    ...wrap(
      `We will pay you ${money(d, paid)} every ${every === 1 ? 'week' : `${every} weeks`} into your bank account. Your first payment will be on ${day(d, firstPayment, style)}.`,
    ),
    '',
    ...wrap(
      'If you think this decision is wrong, you can ask us to look at it again (mandatory reconsideration) within one month of the date of this letter.',
    ),
    '',
    ...wrap(
      'You must tell us straight away about any change in your circumstances, or you may be overpaid and have to pay it back.',
    ),
  ];
  return {
    type: 'benefit_statement',
    title: `${benefit.name} award letter`,
    pages: dice.chance(0.3) ? [lines.slice(0, 24), [benefit.office, '', ...lines.slice(24)]] : [lines],
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: 'not_a_debt',
      facts: { benefit: benefit.name, totalPaid: paid / 100, paymentDate: firstPayment },
    },
  };
}

function universalCreditStatement(dice: Dice): SampleDocument {
  const d = draft();
  const claimant = person(dice);
  const { year, month } = baseDate(dice);
  const from = isoOf(year, month, dice.int(1, 28));
  const to = addDays(from, lastDayOf(year, month) - 1);
  const payDay = addDays(to, 7);
  const style = dice.pick(['long', 'abbr', 'slash'] as const);
  const couple = dice.chance(0.3);
  const standard = couple ? 62_860 : dice.pick([31_100, 39_345]);
  const elements: [string, number][] = [[`Standard allowance${couple ? ' (joint)' : ''}`, standard]];
  if (dice.chance(0.6))
    elements.push([dice.pick(['Child amount', 'Child element']), dice.pick([29_281, 33_920, 63_201])]);
  if (dice.chance(0.7))
    elements.push([dice.pick(['Housing costs amount', 'Housing element']), dice.int(30_000, 95_000)]);
  if (dice.chance(0.2)) elements.push(['Limited capability for work and work-related activity amount', 41_678]);
  const entitlement = elements.reduce((sum, [, value]) => sum + value, 0);
  const earnings = dice.chance(0.5) ? dice.int(20_000, 120_000) : 0;
  const earningsReduction = Math.round(earnings * 0.55);
  const deductions: [string, number][] = [];
  if (dice.chance(0.6))
    deductions.push([dice.pick(['Advance payment', 'Universal Credit advance']), dice.int(3_000, 12_000)]);
  if (dice.chance(0.3))
    deductions.push([dice.pick(['Council tax arrears (third party)', 'Overpayment recovery']), dice.int(1_500, 6_000)]);
  const deducted = deductions.reduce((sum, [, value]) => sum + value, 0);
  const total = Math.max(0, entitlement - earningsReduction - deducted);
  const lines = [
    'Universal Credit',
    dice.pick(['Your payment statement', 'Your Universal Credit statement', 'Payment breakdown']),
    '',
    claimant.name,
    '',
    `Assessment period ${day(d, from, style)} to ${day(d, to, style)}`,
    '',
    dice.pick(['Your payment', 'What you will get']),
    `${money(d, total)} will be paid into your account on ${day(d, payDay, style)}`,
    '',
    'Your Universal Credit amount',
    ...elements.map(([label, value]) => `${label.padEnd(44).slice(0, 60)}${money(d, value)}`),
    `${'Total'.padEnd(44)}${money(d, entitlement)}`,
    '',
    ...(earnings
      ? [
          'Take-home pay',
          `${'Earnings from employment'.padEnd(44)}${money(d, earnings)}`,
          `${'We take off (55% of earnings)'.padEnd(44)}${money(d, earningsReduction)}`,
          '',
        ]
      : []),
    ...(deductions.length
      ? ['Deductions', ...deductions.map(([label, value]) => `${label.padEnd(44)}${money(d, value)}`), '']
      : []),
    ...wrap(
      'Report any change of circumstances in your journal. Your work coach will contact you about your claimant commitment.',
    ),
  ];
  return {
    type: 'universal_credit_statement',
    title: 'Universal Credit statement',
    pages: [lines],
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: 'not_a_debt',
      facts: {
        benefit: 'Universal Credit',
        totalPaid: total / 100,
        paymentDate: payDay,
        periodFrom: from,
        periodTo: to,
      },
    },
  };
}

const EMPLOYERS = [
  'Acme Foods Ltd',
  'Riverside Care Homes',
  'Brightmart Supermarkets plc',
  'Hallam Logistics',
  'Greenleaf Cleaning Services',
  'Westhaven NHS Trust',
];

function payslip(dice: Dice): SampleDocument {
  const d = draft();
  const employee = person(dice);
  const employer = dice.pick(EMPLOYERS);
  const { year, month } = baseDate(dice);
  const monthly = dice.chance(0.6);
  const payDate = monthly
    ? isoOf(year, month, lastDayOf(year, month) - dice.int(0, 3))
    : isoOf(year, month, dice.int(1, 28));
  const hours = monthly ? dice.int(60, 170) : dice.int(16, 40);
  const rate = dice.int(1_221, 1_900);
  const basic = hours * rate;
  const overtime = dice.chance(0.4) ? dice.int(2_000, 20_000) : 0;
  const gross = basic + overtime;
  const allowance = monthly ? 104_750 : 24_173;
  const tax = Math.max(0, Math.round((gross - allowance) * 0.2));
  const ni = Math.max(0, Math.round((gross - (monthly ? 104_800 : 24_200)) * 0.08));
  const pension = Math.round(gross * 0.05);
  const net = gross - tax - ni - pension;
  const style = dice.pick(['slash', 'abbr', 'dot'] as const);
  const taxLabel = dice.pick(['PAYE tax', 'Income tax', 'Tax']);
  const niLabel = dice.pick(['National Insurance', 'NI contributions', 'Employee NIC']);
  const lines = [
    employer,
    dice.pick(['Payslip', 'PAYSLIP', 'Pay advice', 'Statement of earnings']),
    '',
    `Employee: ${employee.name}`,
    `Employee no. ${dice.digits(5)}   NI number ${dice.pick(['AB', 'JK', 'PR', 'SH'])}${dice.digits(6)}C   Tax code 1257L`,
    `Pay date ${day(d, payDate, style)}   Tax period ${month}   ${monthly ? 'Monthly' : 'Weekly'}`,
    '',
    'Payments',
    `${`Basic pay ${hours} hrs @ ${pounds(rate)}`.padEnd(40)}${money(d, basic)}`,
    ...(overtime ? [`${'Overtime'.padEnd(40)}${money(d, overtime)}`] : []),
    `${'Gross pay'.padEnd(40)}${money(d, gross)}`,
    '',
    'Deductions',
    `${taxLabel.padEnd(40)}${money(d, tax)}`,
    `${niLabel.padEnd(40)}${money(d, ni)}`,
    `${'Pension'.padEnd(40)}${money(d, pension)}`,
    `${'Total deductions'.padEnd(40)}${money(d, tax + ni + pension)}`,
    '',
    `${dice.pick(['Net pay', 'Take home pay', 'Net payment'])}`.padEnd(40) + money(d, net),
    '',
    'Year to date',
    `${'Taxable pay YTD'.padEnd(40)}${pounds(gross * month)}`,
    `${'Tax paid YTD'.padEnd(40)}${pounds(tax * month)}`,
  ];
  return {
    type: 'income_evidence',
    title: `${employer} payslip`,
    pages: [lines],
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: 'not_a_debt',
      facts: { employer, grossPay: gross / 100, netPay: net / 100, paymentDate: payDate },
    },
  };
}

// ---- bills ----

function councilTaxBill(dice: Dice): SampleDocument {
  const d = draft();
  const council = dice.pick(COUNCILS);
  const resident = person(dice);
  const year = dice.pick([2026, 2027]);
  const band = dice.pick(['A', 'B', 'C', 'D', 'E', 'F'] as const);
  const annual =
    { A: 145_000, B: 169_000, C: 193_000, D: 217_000, E: 265_000, F: 313_000 }[band] + dice.int(-8_000, 8_000);
  const discount = dice.chance(0.4) ? Math.round(annual * 0.25) : 0;
  const payable = annual - discount;
  const instalments = dice.pick([10, 12]);
  const instalment = Math.floor(payable / instalments);
  const first = isoOf(year, 4, 1);
  const reference = `${dice.digits(8)}`;
  const reminder = dice.chance(0.35);
  const style = letterDateStyle(dice);
  const sent = isoOf(year, reminder ? dice.int(5, 10) : 3, dice.int(5, 20));
  const due = reminder ? addDays(sent, 7) : first;
  const police = Math.round(annual * 0.12);
  const fire = Math.round(annual * 0.04);
  const councilShare = annual - police - fire;
  const lines = [
    council,
    dice.pick(['Revenues and Benefits', 'Council Tax Services', 'Billing authority: ' + council]),
    '',
    resident.name,
    ...resident.address,
    '',
    `${dice.pick(['Account reference', 'Council Tax account number', 'Reference'])}: ${reference}`,
    `Date ${day(d, sent, style)}`,
    '',
    reminder ? 'COUNCIL TAX REMINDER NOTICE' : `COUNCIL TAX BILL ${year}/${String(year + 1).slice(2)}`,
    '',
    `Property: ${resident.address[0]}, ${resident.address[1]}`,
    `${dice.pick(['Valuation band', 'Council Tax band', 'Band'])}: ${band}`,
    `Period: ${day(d, first, style)} to ${day(d, isoOf(year + 1, 3, 31), style)}`,
    '',
    `${council.replace(/ Council$/, '')}`.padEnd(44).slice(0, 44) + pounds(councilShare),
    `${'Police and Crime Commissioner'.padEnd(44)}${pounds(police)}`,
    `${'Fire and Rescue Authority'.padEnd(44)}${pounds(fire)}`,
    `${'Annual charge'.padEnd(44)}${money(d, annual)}`,
    ...(discount ? [`${'Less single person discount 25%'.padEnd(44)}${money(d, discount)}`] : []),
    `${'Amount payable'.padEnd(44)}${money(d, payable)}`,
    '',
    ...(reminder
      ? wrap(
          `You have not paid the instalment of ${money(d, instalment)} that was due. Pay ${pounds(instalment)} by ${day(d, due, style)} or you will lose the right to pay by instalments and the full balance will become due.`,
        )
      : wrap(
          `Instalments: ${instalments} monthly instalments of ${money(d, instalment)}, the first due on ${day(d, first, style)}, then on the 1st of each month. Pay by ${formatDate(first, style)}.`,
        )),
    '',
    ...wrap(
      'If you are on a low income you may be able to get Council Tax Support. Contact the billing authority if you cannot pay.',
    ),
  ];
  return {
    type: 'council_tax_bill',
    title: `${council} council tax ${reminder ? 'reminder' : 'bill'}`,
    pages: [lines],
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: 'priority',
      facts: {
        issuer: council,
        band,
        accountReference: reference,
        amountDue: reminder ? instalment / 100 : payable / 100,
        dueDate: due,
      },
    },
  };
}

const ENERGY_SUPPLIERS = ['Volt Energy', 'Hearth Gas and Power', 'Northern Lights Energy', 'Greenwave Power'];
const WATER_COMPANIES = ['Brightwater Water', 'Vale Water Services', 'Fenland Water'];

function utilityBill(dice: Dice): SampleDocument {
  const d = draft();
  const customer = person(dice);
  const fuel = dice.pick(['electricity', 'gas', 'electricity', 'water'] as const);
  const supplier = fuel === 'water' ? dice.pick(WATER_COMPANIES) : dice.pick(ENERGY_SUPPLIERS);
  const { year, month } = baseDate(dice);
  const from = isoOf(year, month, 1);
  const to = isoOf(year, month, lastDayOf(year, month));
  const days = lastDayOf(year, month);
  const billDate = addDays(to, dice.int(2, 6));
  const due = addDays(billDate, 14);
  const style = dice.pick(['long', 'abbr', 'slash'] as const);
  const account = `${dice.digits(4)} ${dice.digits(4)} ${dice.digits(2)}`;
  const units = fuel === 'water' ? dice.int(6, 20) : dice.int(120, 900);
  const unitRate = fuel === 'water' ? dice.int(180, 260) : fuel === 'gas' ? dice.int(6, 8) : dice.int(22, 28);
  const standing = fuel === 'water' ? dice.int(800, 1_500) : Math.round((fuel === 'gas' ? 31 : 60) * days);
  const charges = units * unitRate + standing;
  const vat = fuel === 'water' ? 0 : Math.round(charges * 0.05);
  const periodTotal = charges + vat;
  const arrears = dice.chance(0.35) ? dice.int(5_000, 60_000) : 0;
  const paid = arrears ? 0 : dice.int(0, 1) * dice.int(5_000, 30_000);
  const previousBalance = arrears || paid;
  const amountDue = previousBalance - paid + periodTotal;
  const readingStart = dice.int(10_000, 60_000);
  const meterLines =
    fuel === 'water'
      ? [
          `Meter serial ${dice.letters(2)}${dice.digits(6)}`,
          `${'Previous reading'.padEnd(32)}${readingStart} m3`,
          `${'Latest reading'.padEnd(32)}${readingStart + units} m3 (actual)`,
          `${'Water used'.padEnd(32)}${units} cubic metres`,
          `${'Water supply charge'.padEnd(32)}${pounds(Math.round(units * unitRate * 0.45))}`,
          `${'Wastewater (sewerage) charge'.padEnd(32)}${pounds(units * unitRate - Math.round(units * unitRate * 0.45))}`,
          `${'Standing charges'.padEnd(32)}${pounds(standing)}`,
        ]
      : [
          fuel === 'gas'
            ? `Meter point reference (MPRN) ${dice.digits(10)}`
            : `Supply number (MPAN) ${dice.digits(2)} ${dice.digits(4)} ${dice.digits(4)} ${dice.digits(3)}`,
          `${'Previous reading'.padEnd(32)}${readingStart} (${dice.pick(['estimated', 'actual'])})`,
          `${'Present reading'.padEnd(32)}${readingStart + units} (actual)`,
          `${fuel === 'gas' ? 'Gas used' : 'Electricity used'}`.padEnd(32) + `${units} kWh`,
          `${'Unit rate'.padEnd(32)}${unitRate}.${dice.digits(2)}p per kWh`,
          `${'Standing charge'.padEnd(32)}${days} days`,
          `${'Energy charges'.padEnd(32)}${pounds(charges)}`,
          `${'VAT at 5%'.padEnd(32)}${pounds(vat)}`,
        ];
  const dueLabel = dice.pick(['Amount due', 'Total amount due', 'Amount to pay']);
  const lines = [
    supplier,
    fuel === 'water' ? 'Your water bill' : `Your ${fuel} bill`,
    '',
    customer.name,
    ...customer.address,
    '',
    `${dice.pick(['Account number', 'Customer account'])}: ${account}`,
    `Bill date ${day(d, billDate, style)}`,
    `Billing period ${day(d, from, style)} to ${day(d, to, style)}`,
    '',
    `${'Previous balance'.padEnd(32)}${money(d, previousBalance)}`,
    ...(paid ? [`${'Payments received, thank you'.padEnd(32)}${money(d, paid)}`] : []),
    `${'Charges for this period'.padEnd(32)}${money(d, periodTotal)}`,
    `${dueLabel.padEnd(32)}${money(d, amountDue)}`,
    `${'Pay by'.padEnd(32)}${day(d, due, style)}`,
    '',
    ...(arrears
      ? [...wrap(`Your account is in arrears by ${money(d, arrears)}. Please contact us to agree a payment plan.`), '']
      : []),
    'Your usage',
    ...meterLines,
    '',
    ...wrap(
      fuel === 'water'
        ? 'Help with water bills: you may be eligible for a social tariff.'
        : 'If you are worried about paying, contact us. Help may be available from our hardship fund.',
    ),
  ];
  const twoPages = dice.chance(0.3);
  const usageStart = lines.indexOf('Your usage');
  return {
    type: 'utility_bill',
    title: `${supplier} ${fuel} bill`,
    pages: twoPages ? [lines.slice(0, usageStart), [supplier, '', ...lines.slice(usageStart)]] : [lines],
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: fuel === 'water' ? 'non_priority' : 'priority',
      facts: {
        issuer: supplier,
        amountDue: amountDue / 100,
        dueDate: due,
        periodFrom: from,
        periodTo: to,
        arrears: arrears ? arrears / 100 : null,
      },
    },
  };
}

const LANDLORDS = [
  'Homegroup Housing Association',
  'Westhaven Homes',
  'Brackenford Borough Council Housing',
  'Keystone Lettings',
  'Riverside Housing Trust',
];

function rentStatement(dice: Dice): SampleDocument {
  const d = draft();
  const tenant = person(dice);
  const landlord = dice.pick(LANDLORDS);
  const { year, month } = baseDate(dice);
  const start = isoOf(year, month, dice.int(1, 7));
  const weekly = dice.int(8_500, 19_000);
  const weeks = dice.int(6, 16);
  const opening = dice.int(0, 120_000);
  const style = dice.pick(['slash', 'abbr', 'dot'] as const);
  const widths = [11, 28, 10, 10, 10];
  const rows: string[] = [];
  let balance = opening;
  for (let week = 0; week < weeks; week++) {
    const date = addDays(start, week * 7);
    balance += weekly;
    rows.push(columns([formatDate(date, style), 'Rent charge', bare(weekly), '', bare(balance)], widths));
    if (dice.chance(0.6)) {
      const payment = dice.chance(0.5) ? weekly : dice.int(2_000, weekly);
      balance -= payment;
      rows.push(
        columns(
          [
            formatDate(addDays(date, 2), style),
            dice.pick(['Payment - thank you', 'UC housing costs', 'Housing Benefit']),
            '',
            bare(payment),
            bare(balance),
          ],
          widths,
        ),
      );
    }
  }
  const end = addDays(start, weeks * 7 - 1);
  const reference = `${dice.pick(['T', 'TEN', 'RA'])}${dice.digits(7)}`;
  const lines = [
    landlord,
    dice.pick(['Rent account statement', 'Rent statement', 'Statement of rent account']),
    '',
    tenant.name,
    ...tenant.address,
    '',
    `${dice.pick(['Tenancy reference', 'Rent account number', 'Tenancy ref'])}: ${reference}`,
    `Weekly rent ${money(d, weekly)}`,
    `Statement period ${day(d, start, 'long')} to ${day(d, end, 'long')}`,
    '',
    `${'Balance brought forward'.padEnd(30)}${money(d, opening)}`,
    '',
    columns(['Date', 'Transaction', 'Debit', 'Credit', 'Balance'], widths),
    ...rows,
    '',
    `${dice.pick(['Balance owing', 'Current arrears', 'Amount owed'])}`.padEnd(30) + money(d, balance),
    '',
    ...wrap(
      balance > weekly * 2
        ? 'Your rent account is in arrears. Please contact your housing officer to agree a repayment plan, or we may take steps to end your tenancy.'
        : 'Thank you for keeping your rent account up to date. Rent is due weekly in advance under your tenancy agreement.',
    ),
  ];
  const pages = paginate({
    body: lines.slice(1),
    linesPerPage: dice.int(22, 40),
    header: () => [landlord],
    footer: (page, total) => ['', `Page ${page} of ${total}`],
  });
  return {
    type: 'rent_statement',
    title: `${landlord} rent statement`,
    pages,
    expected: {
      amounts: d.amounts,
      dates: d.dates,
      priority: 'priority',
      facts: { issuer: landlord, accountReference: reference, amountDue: balance / 100 },
    },
  };
}

// ---- evidence of spending and everything else ----

const SHOPS = ['Brightmart', 'Value Foods', 'Corner Fresh', 'Fuel Stop Services', 'Home and Garden Depot'];
const GROCERIES = [
  'MILK 2L',
  'BREAD WHOLEMEAL',
  'EGGS 12',
  'BANANAS',
  'PASTA 500G',
  'NAPPIES SIZE 4',
  'CHICKEN BREAST',
  'RICE 1KG',
  'WASHING POWDER',
  'APPLES',
  'BAKED BEANS 4PK',
  'TEABAGS 80',
];

function expenditureEvidence(dice: Dice): SampleDocument {
  const d = draft();
  const variant = dice.pick(['receipt', 'budget', 'childcare'] as const);
  const { year, month } = baseDate(dice);
  const when = isoOf(year, month, dice.int(1, 28));
  if (variant === 'receipt') {
    const shop = dice.pick(SHOPS);
    const items = Array.from({ length: dice.int(3, 14) }, () => ({
      name: dice.pick(GROCERIES),
      pence: dice.int(45, 1_200),
    }));
    const total = items.reduce((sum, item) => sum + item.pence, 0);
    const lines = [
      shop,
      `${dice.int(1, 300)} ${dice.pick(STREETS)}, ${dice.pick(TOWNS).town}`,
      `VAT No. GB ${dice.digits(3)} ${dice.digits(4)} ${dice.digits(2)}`,
      '',
      ...items.map((item) => `${item.name.padEnd(30)}${bare(item.pence)}`),
      '',
      `${'TOTAL'.padEnd(30)}${money(d, total)}`,
      `${dice.pick(['CARD PAYMENT', 'CONTACTLESS', 'CASH'])}`.padEnd(30) + pounds(total),
      `${'CHANGE DUE'.padEnd(30)}${pounds(0)}`,
      '',
      `${day(d, when, 'slash')} ${String(dice.int(8, 21)).padStart(2, '0')}:${dice.digits(2)}   Till ${dice.int(1, 12)}`,
      dice.pick(['Thank you for shopping with us', 'Please keep your receipt', 'Thank you for your custom']),
    ];
    return {
      type: 'expenditure_evidence',
      title: `${shop} receipt`,
      pages: [lines],
      expected: { amounts: d.amounts, dates: d.dates, priority: 'not_a_debt', facts: { total: total / 100 } },
    };
  }
  if (variant === 'childcare') {
    const nursery = dice.pick(['Little Acorns Nursery', 'Sunflower Day Nursery', 'Rainbow Childminding']);
    const hours = dice.int(10, 40);
    const rate = dice.int(550, 800);
    const total = hours * rate * 4;
    const lines = [
      nursery,
      'Childcare fees receipt',
      '',
      `Received from ${person(dice).name}`,
      `For the month of ${MONTH_NAMES[month - 1]} ${year}`,
      '',
      `${`${hours} hours a week x 4 weeks @ ${pounds(rate)} an hour`.padEnd(50)}${money(d, total)}`,
      `${'Amount paid'.padEnd(50)}${pounds(total)}`,
      `Date paid ${day(d, when, 'long')}`,
      '',
      ...wrap(
        'Keep this receipt as evidence of childcare costs, for example for the childcare element of Universal Credit.',
      ),
      `Ofsted registration number EY${dice.digits(6)}`,
    ];
    return {
      type: 'expenditure_evidence',
      title: `${nursery} childcare receipt`,
      pages: [lines],
      expected: { amounts: d.amounts, dates: d.dates, priority: 'not_a_debt', facts: { total: total / 100 } },
    };
  }
  const heads: [string, number][] = [
    ['Rent or mortgage', dice.int(40_000, 110_000)],
    ['Council tax', dice.int(8_000, 20_000)],
    ['Gas and electricity', dice.int(6_000, 25_000)],
    ['Water', dice.int(2_500, 6_000)],
    ['Food and housekeeping', dice.int(20_000, 60_000)],
    ['Phone and internet', dice.int(2_000, 8_000)],
    ['Travel', dice.int(3_000, 20_000)],
    ['Childcare', dice.chance(0.4) ? dice.int(10_000, 60_000) : 0],
    ['Clothing', dice.int(1_000, 6_000)],
  ];
  const total = heads.reduce((sum, [, value]) => sum + value, 0);
  const lines = [
    dice.pick(['Monthly household budget', 'Household expenditure', 'My monthly outgoings', 'Spending diary']),
    `Prepared ${day(d, when, 'long')} for ${person(dice).name}`,
    '',
    'Monthly spending',
    ...heads.filter(([, value]) => value > 0).map(([label, value]) => `${label.padEnd(36)}${money(d, value)}`),
    '',
    `${'Total monthly expenditure'.padEnd(36)}${money(d, total)}`,
    '',
    ...wrap('These are my regular outgoings each month, taken from my bank statements and receipts.'),
  ];
  return {
    type: 'expenditure_evidence',
    title: 'Household budget',
    pages: [lines],
    expected: { amounts: d.amounts, dates: d.dates, priority: 'not_a_debt', facts: { total: total / 100 } },
  };
}

function otherLetter(dice: Dice): SampleDocument {
  const d = draft();
  const recipient = person(dice);
  const { year, month } = baseDate(dice);
  const sent = isoOf(year, month, dice.int(1, 20));
  const event = addDays(sent, dice.int(7, 40));
  const style = letterDateStyle(dice);
  const variant = dice.pick(['gp', 'school', 'hospital', 'library', 'bins', 'interview'] as const);
  // Functions, so only the chosen letter records its amounts and dates as expected.
  const content: Record<typeof variant, () => { from: string; subject: string; paragraphs: string[] }> = {
    gp: () => ({
      from: `${dice.pick(['Parkside', 'Riverside', 'Oakwood'])} Medical Practice`,
      subject: 'Your appointment',
      paragraphs: [
        `You have an appointment with Dr ${dice.pick(SURNAMES)} on ${day(d, event, style)} at ${dice.int(8, 17)}:${dice.pick(['00', '15', '30', '45'])}.`,
        'Please arrive ten minutes early and bring a list of your current medicines.',
        'If you cannot attend, please call the surgery so that we can offer the slot to another patient.',
      ],
    }),
    school: () => ({
      from: `${dice.pick(['St Mary', 'Hillside', 'Greenfield'])} Primary School`,
      subject: dice.pick(['Year 4 trip to the museum', 'Parents evening', 'Sports day']),
      paragraphs: [
        'Dear Parent or Carer,',
        `We are writing to let you know about an event for your child's class on ${day(d, event, style)}.`,
        dice.chance(0.5)
          ? `We ask for a voluntary contribution of ${money(d, dice.pick([500, 1_000, 1_250]))} towards the cost of the coach.`
          : 'There is no charge for this event.',
        'Please return the slip below to the school office. Thank you for your support.',
      ],
    }),
    hospital: () => ({
      from: `${dice.pick(TOWNS).town} Royal Infirmary, Outpatients Department`,
      subject: 'Outpatient clinic appointment',
      paragraphs: [
        `An appointment has been made for you at the ${dice.pick(['orthopaedic', 'dermatology', 'cardiology'])} clinic on ${day(d, event, style)}.`,
        'Please bring this letter with you. Free hospital transport may be available if you meet the criteria.',
      ],
    }),
    library: () => ({
      from: `${dice.pick(TOWNS).town} Central Library`,
      subject: 'Your library membership',
      paragraphs: [
        `Thank you for joining the library. Your membership card number is ${dice.digits(10)}.`,
        `Our reading group next meets on ${day(d, event, style)}. Everyone is welcome.`,
      ],
    }),
    bins: () => ({
      from: dice.pick(COUNCILS),
      subject: 'Changes to your recycling collection',
      paragraphs: [
        `From ${day(d, event, style)} your green recycling bin will be collected every other ${dice.pick(['Monday', 'Wednesday', 'Friday'])}.`,
        'Please put your bin out by 7am and keep the lid closed. Food waste caddies are collected weekly.',
      ],
    }),
    interview: () => ({
      from: dice.pick(EMPLOYERS),
      subject: 'Invitation to interview',
      paragraphs: [
        `Thank you for applying for the post of ${dice.pick(['warehouse operative', 'care assistant', 'cleaner', 'retail assistant'])}.`,
        `We would like to invite you to an interview on ${day(d, event, style)} at our ${dice.pick(TOWNS).town} site.`,
        'Please bring proof of your right to work in the UK.',
      ],
    }),
  };
  const { from, subject, paragraphs } = content[variant]();
  const lines = [
    from,
    '',
    recipient.name,
    ...recipient.address,
    '',
    day(d, sent, style),
    '',
    subject,
    '',
    ...(variant === 'school' ? [] : [`Dear ${recipient.name}`, '']),
    ...paragraphs.flatMap((paragraph) => [...wrap(paragraph), '']),
    'Yours sincerely',
    '',
    from,
  ];
  return {
    type: 'other',
    title: `${from}: ${subject}`,
    pages: [lines],
    expected: { amounts: d.amounts, dates: d.dates, priority: 'not_a_debt', facts: {} },
  };
}

const GENERATORS: Record<DocumentType, (dice: Dice) => SampleDocument> = {
  bank_statement: bankStatement,
  credit_card_statement: creditCardStatement,
  loan_agreement: loanAgreement,
  debt_collection_letter: debtCollectionLetter,
  court_document: courtDocument,
  benefit_statement: benefitStatement,
  utility_bill: utilityBill,
  rent_statement: rentStatement,
  council_tax_bill: councilTaxBill,
  income_evidence: payslip,
  expenditure_evidence: expenditureEvidence,
  universal_credit_statement: universalCreditStatement,
  other: otherLetter,
};

/** A realistic synthetic document of the given type; the same seed always gives the same document. */
export function sampleDocument({ type, seed }: { type: DocumentType; seed: number }): SampleDocument {
  return GENERATORS[type](new Dice(seed));
}

/** A sample's pages as one markdown-ish text, pages separated by a blank line. */
export function sampleText(sample: SampleDocument): string {
  return sample.pages.map((page) => page.join('\n')).join('\n\n');
}
