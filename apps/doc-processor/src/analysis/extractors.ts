// Pulls each document type's facts out of its text with deterministic parsers, and names the fields
// it could not find so an LLM is asked only for those: parsed numbers are exact, generated ones are not.
import type { DocumentType } from './document-types';
import {
  extractionSchemaFor,
  type BenefitFacts,
  type BillFacts,
  type CourtDocumentFacts,
  type DebtLetterFacts,
  type FactsFor,
  type GenericFacts,
  type StatementFacts,
} from './extraction.schemas';
import {
  amountAfter,
  dateAfter,
  labelledAmountLine,
  letterhead,
  periodOf,
  sectionLines,
  sentencesOf,
  textAfter,
} from './labelled-values';
import { readStatementRows } from './statement-rows';
import {
  findAccountNumbers,
  findAmounts,
  findClaimNumbers,
  findDates,
  findReferences,
  findSortCodes,
  roundPounds,
} from './uk-parsers';

export interface Extraction<T extends DocumentType> {
  facts: FactsFor<T>;
  /** Fields not found (dotted for nested ones), which an LLM may fill. */
  missing: string[];
}

const MAX_LIST = 50;
const OPENING = [
  /\b(?:opening balance|balance brought forward|start balance|previous balance|balance from last statement)\b/i,
];
const CLOSING = [/\b(?:closing balance|balance carried forward|end balance|new balance|statement balance)\b/i];
const HOLDER = /^\s*(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.? [A-Z][A-Za-z' -]+$/m;
const DEMAND =
  /\b(?:please (?:pay|call|contact)|you must|you should|contact us|pay (?:the|this|in) (?:full|amount))\b/i;

function statementFacts(markdown: string, kind: 'bank' | 'card'): StatementFacts {
  const openingBalance = amountAfter(markdown, OPENING);
  return {
    holder: HOLDER.exec(markdown)?.[0].trim() ?? null,
    accountLast4: findAccountNumbers(markdown)[0]?.last4 ?? null,
    sortCode: findSortCodes(markdown)[0]?.sortCode ?? null,
    period: periodOf(markdown),
    openingBalance,
    closingBalance: amountAfter(markdown, CLOSING),
    transactions: readStatementRows({ markdown, openingBalance, kind }),
  };
}

function deadlinesOf(markdown: string): { date: string; action: string }[] {
  return sentencesOf(markdown)
    .filter((sentence) => /\b(?:by|before|on or before)\b/i.test(sentence))
    .flatMap((sentence) => {
      const [first] = findDates(sentence);
      return first ? [{ date: first.iso, action: sentence.slice(0, 200) }] : [];
    })
    .slice(0, MAX_LIST);
}

function debtLetterFacts(markdown: string): DebtLetterFacts {
  const sentences = sentencesOf(markdown);
  const client = /\bour client,? ([A-Z][\w&' -]+?)(?:,|\.| to\b)/.exec(markdown)?.[1];
  const assignee = /\bhas assigned(?: \(sold\))? your [^.]*? to ([A-Z][\w&'\s-]+?)\./
    .exec(markdown)?.[1]
    .replace(/\s+/g, ' ');
  const passedBy = /(?:^|\n)([A-Z][\w&' -]+?) has passed\b/.exec(markdown)?.[1];
  return {
    creditor:
      textAfter(markdown, [/(?<!original )\b(?:current creditor|creditor|client)\s*:/i]) ??
      client ??
      assignee ??
      passedBy ??
      letterhead(markdown),
    originalCreditor: textAfter(markdown, [/\boriginal creditor\s*:/i]),
    reference: findReferences(markdown)[0]?.reference ?? null,
    balance: amountAfter(markdown, [
      /\bamount (?:you owe|outstanding|owed|due)\b/i,
      /\bbalance of your account\b/i,
      /\b(?:outstanding )?balance\b/i,
      /\btotal amount payable\b/i,
    ]),
    arrears: amountAfter(markdown, [/\barrears\b/i]),
    dates: [...new Set(findDates(markdown).map((date) => date.iso))].slice(0, MAX_LIST),
    demands: sentences
      .filter((sentence) => DEMAND.test(sentence))
      .map((sentence) => sentence.slice(0, 200))
      .slice(0, MAX_LIST),
    deadlines: deadlinesOf(markdown),
  };
}

function loanAgreementFacts(markdown: string): FactsFor<'loan_agreement'> {
  const letter = debtLetterFacts(markdown);
  const apr = /\bAPR\b[^\d\n]{0,40}(\d{1,3}(?:\.\d{1,2})?)\s?%/i.exec(markdown)?.[1];
  const term =
    /\bduration of the agreement\D{0,40}?(\d{1,3})\s*months\b/i.exec(markdown)?.[1] ??
    /\bnumber of (?:monthly )?repayments\D{0,40}?(\d{1,3})\b/i.exec(markdown)?.[1];
  return {
    ...letter,
    creditor: textAfter(markdown, [/\blender\s*:/i]) ?? letter.creditor,
    reference: textAfter(markdown, [/\bagreement (?:number|no\.?)/i]) ?? letter.reference,
    balance: amountAfter(markdown, [/\btotal amount payable\b/i]) ?? letter.balance,
    apr: apr ? Number(apr) : null,
    monthlyPayment: amountAfter(markdown, [/\bmonthly (?:repayment|payment)s?\b/i, /\brepayments? of\b/i]),
    term: term ? Number(term) : null,
  };
}

function partyBefore(markdown: string, role: string): string | null {
  return new RegExp(`^\\s*(.+?)\\s*\\(${role}\\)`, 'im').exec(markdown)?.[1].slice(0, 200) ?? null;
}

function courtDocumentFacts(markdown: string): CourtDocumentFacts {
  const courtLine = /^\s*(?:in the )?(.*(?:County Court|Magistrates'? Court|Business Centre|Tribunal).*?)\s*$/im.exec(
    markdown,
  );
  return {
    court: courtLine?.[1].slice(0, 200) ?? null,
    claimNumber: findClaimNumbers(markdown)[0]?.claimNumber ?? null,
    claimant: textAfter(markdown, [/\bclaimant\s*:/i]) ?? partyBefore(markdown, 'claimant'),
    defendant: textAfter(markdown, [/\bdefendant\s*:/i]) ?? partyBefore(markdown, 'defendant'),
    hearingDate: dateAfter(markdown, [
      /\bhearing date\b/i,
      /\bdate of (?:the )?hearing\b/i,
      /\bhearing will (?:take place|be)\b/i,
    ]),
    amountClaimed: amountAfter(markdown, [
      /\btotal amount(?: claimed)?\b/i,
      /\btotal to pay\b/i,
      /\bamount claimed\b/i,
      /\barrears of\b/i,
      /\bclaims?\b/i,
    ]),
    deadlines: deadlinesOf(markdown),
  };
}

function billFacts(markdown: string): BillFacts {
  const labelledReference = textAfter(markdown, [
    /\b(?:account number|customer account|account reference|reference)\s*:/i,
  ]);
  return {
    issuer: letterhead(markdown),
    accountReference:
      labelledReference && /\d/.test(labelledReference)
        ? labelledReference.slice(0, 40)
        : (findReferences(markdown)[0]?.reference ?? null),
    period: periodOf(markdown),
    amountDue: amountAfter(markdown, [
      /\btotal amount due\b/i,
      /\bamount due\b/i,
      /\bamount to pay\b/i,
      /\b(?:balance owing|current arrears|amount owed)\b/i,
      /\bpay(?= £)/i,
      /\bamount payable\b/i,
    ]),
    dueDate: dateAfter(markdown, [
      /\b(?:please )?pay by\b/i,
      /\b(?:due date|payment due)\b/i,
      /\bpay £[\d,.]+ by\b/i,
      /\bfirst (?:instalment )?due on\b/i,
    ]),
    arrears: amountAfter(markdown, [/\barrears (?:by|of)\b/i, /\b(?:amount overdue|current arrears|total arrears)\b/i]),
  };
}

function councilTaxFacts(markdown: string): FactsFor<'council_tax_bill'> {
  const band = /\b(?:valuation band|council tax band|band)\s*:?\s*([A-I])\b/i.exec(markdown)?.[1]?.toUpperCase();
  return { ...billFacts(markdown), band: (band as FactsFor<'council_tax_bill'>['band']) ?? null };
}

const BENEFIT_NAMES =
  /\b(Universal Credit|Personal Independence Payment|Employment and Support Allowance|Jobseeker'?s Allowance|Child Benefit|Carer'?s Allowance|Pension Credit|Attendance Allowance|Housing Benefit|Disability Living Allowance|Child Tax Credit|Working Tax Credit)\b/i;
const DEDUCTION_LABEL =
  /\b(?:deduction|advance|overpayment|arrears|tax|national insurance|NIC|pension|student loan|sanction)\b/i;
const TOTAL_LABEL = /^(?:total|gross pay|net pay|take home)/i;

function labelledAmounts(lines: string[]): { label: string; amount: number }[] {
  return lines
    .map(labelledAmountLine)
    .filter((entry): entry is { label: string; amount: number } => entry !== null && !TOTAL_LABEL.test(entry.label))
    .slice(0, MAX_LIST);
}

function benefitFacts(markdown: string): BenefitFacts {
  const deductionLines = sectionLines(markdown, /^deductions$/i);
  const amountLines = [
    ...sectionLines(markdown, /^(?:how much you will get|your universal credit amount|what you will get|payments)$/i),
  ].filter((line) => !DEDUCTION_LABEL.test(line));
  return {
    benefit: BENEFIT_NAMES.exec(markdown)?.[1] ?? null,
    period: periodOf(markdown),
    amounts: labelledAmounts(amountLines),
    deductions: labelledAmounts(deductionLines),
    totalPaid: amountAfter(markdown, [
      /\b(?:your payment|what you will get)\b/i,
      /\bwe will pay you\b/i,
      /\btotal (?:paid|payment)\b/i,
      /\b(?:net pay(?:ment)?|take home pay)\b/i,
    ]),
    paymentDate: dateAfter(markdown, [
      /\b(?:first payment will be on|will be paid into your account on|paid on|payment date|pay date)\b/i,
    ]),
  };
}

function payslipFacts(markdown: string): FactsFor<'income_evidence'> {
  const benefit = benefitFacts(markdown);
  const netPay = amountAfter(markdown, [/\b(?:net pay(?:ment)?|take home pay)\b/i]);
  return {
    ...benefit,
    benefit: null,
    totalPaid: netPay,
    employer: textAfter(markdown, [/\bemployer\s*:/i]) ?? letterhead(markdown),
    grossPay: amountAfter(markdown, [/\b(?:total )?gross pay\b(?! to date| YTD)/i]),
    netPay,
  };
}

function genericFacts(markdown: string): GenericFacts {
  const lines = markdown.split('\n');
  const labelOf = (line: string, index: number, fallback: string): string =>
    line
      .slice(0, index)
      .replace(/[|:\s]+$/, '')
      .replace(/\s{2,}/g, ' ')
      .replace(/^[|\s]+/, '')
      .slice(-60) || fallback;
  const amounts = lines.flatMap((line) =>
    findAmounts(line).map((found) => ({
      label: labelOf(line, found.index, 'amount'),
      amount: roundPounds(found.pounds),
    })),
  );
  const dates = lines.flatMap((line) =>
    findDates(line).map((found) => ({ label: labelOf(line, found.index, 'date'), date: found.iso })),
  );
  const parties = [letterhead(markdown), HOLDER.exec(markdown)?.[0].trim() ?? null].filter(
    (party): party is string => !!party,
  );
  return {
    parties: [...new Set(parties)],
    amounts: amounts.slice(0, MAX_LIST),
    dates: dates.slice(0, MAX_LIST),
    actionsRequired: sentencesOf(markdown)
      .filter((sentence) => /\b(?:please|you must|you should|bring|return)\b/i.test(sentence))
      .map((sentence) => sentence.slice(0, 200))
      .slice(0, MAX_LIST),
  };
}

const EXTRACTORS: { [T in DocumentType]: (markdown: string) => FactsFor<T> } = {
  bank_statement: (markdown) => statementFacts(markdown, 'bank'),
  credit_card_statement: (markdown) => ({
    ...statementFacts(markdown, 'card'),
    creditLimit: amountAfter(markdown, [/\bcredit limit\b/i]),
    minimumPayment: amountAfter(markdown, [/\bminimum (?:payment|repayment)\b(?! warning)/i]),
    paymentDueDate: dateAfter(markdown, [/\b(?:payment due date|please pay by|pay by|payment due)\b/i]),
  }),
  loan_agreement: loanAgreementFacts,
  debt_collection_letter: debtLetterFacts,
  court_document: courtDocumentFacts,
  benefit_statement: benefitFacts,
  utility_bill: billFacts,
  rent_statement: billFacts,
  council_tax_bill: councilTaxFacts,
  income_evidence: payslipFacts,
  expenditure_evidence: genericFacts,
  universal_credit_statement: benefitFacts,
  other: genericFacts,
};

function missingFields(facts: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(facts).flatMap(([key, value]) => {
    const path = `${prefix}${key}`;
    if (value === null || (Array.isArray(value) && value.length === 0)) return [path];
    if (value && typeof value === 'object' && !Array.isArray(value))
      return missingFields(value as Record<string, unknown>, `${path}.`);
    return [];
  });
}

/** The facts a document of this type states, parsed without an LLM, and the fields still missing. */
export function extractFacts<T extends DocumentType>({ type, markdown }: { type: T; markdown: string }): Extraction<T> {
  const extract = EXTRACTORS[type] as (text: string) => FactsFor<T>;
  // Parsing through the schema is a guard against an extractor bug, not user input: it must not fail.
  const facts = extractionSchemaFor(type).parse(extract(markdown)) as FactsFor<T>;
  return { facts, missing: missingFields(facts as Record<string, unknown>) };
}
