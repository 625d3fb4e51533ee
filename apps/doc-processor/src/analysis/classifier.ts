// Sorts a client's document into a DocumentType from weighted wording and layout cues, with no LLM:
// it always answers, costs nothing, and gives an LLM's guess something independent to agree with.
import { DOCUMENT_TYPES, type DocumentType } from './document-types';
import { findAmounts, findDates, findSortCodes } from './uk-parsers';

export interface Classification {
  type: DocumentType;
  /** 0..1 */
  confidence: number;
  scores: Record<DocumentType, number>;
  /** Which cues fired, as "type: cue"; names from the cue table, never document text. */
  cues: string[];
}

export interface CombinedClassification {
  type: DocumentType;
  confidence: number;
  decidedBy: 'rules' | 'llm' | 'both';
  /** null when there was no LLM answer to compare. */
  agreed: boolean | null;
}

interface Cue {
  name: string;
  pattern: RegExp;
  weight: number;
}

const cue = (name: string, pattern: RegExp, weight: number): Cue => ({ name, pattern, weight });

// Weights: 5 = nearly decisive on its own, 3 = typical of the type, 1-2 = supporting. Words shared
// between types (council tax on a bank statement row, Universal Credit in a budget) stay light.
const CUES: Readonly<Record<DocumentType, readonly Cue[]>> = {
  bank_statement: [
    cue('sort code', /\bsort code\b/i, 2),
    cue('current account', /\bcurrent account\b/i, 2),
    cue('account statement', /\b(?:statement of account|account statement|bank statement)\b/i, 2),
    cue('money in/out', /\b(?:money|paid|payments) (?:in|out)\b/i, 2),
    cue('balance brought/carried forward', /\bbalance (?:brought|carried) forward\b/i, 1.5),
    cue('opening/closing balance', /\b(?:opening|closing|start|end) balance\b/i, 1),
    cue('bank', /\b(?:bank|building society|Prudential Regulation Authority)\b/i, 1),
    cue('overdraft', /\b(?:arranged )?overdraft limit\b/i, 1),
    cue('payment types', /\b(?:DD|SO|direct debit|standing order|card payment|cash withdrawal)\b/i, 1),
  ],
  credit_card_statement: [
    cue('credit limit', /\bcredit limit\b/i, 4),
    cue('minimum payment', /\bminimum (?:payment|repayment)\b/i, 4),
    cue('available credit', /\bavailable (?:credit|to spend)\b/i, 3),
    cue('credit card', /\bcredit card\b|\b(?:visa|mastercard)\b/i, 3),
    cue('card number', /\bcard (?:number|ending)\b/i, 2),
    cue('purchase rate', /\b(?:purchase|cash advance|balance transfer) rate\b/i, 2),
    cue('statement balance', /\b(?:new|statement|previous) balance\b|\bbalance from last statement\b/i, 1),
  ],
  loan_agreement: [
    cue('Consumer Credit Act 1974', /\bConsumer Credit Act 1974\b/i, 3),
    cue('total amount payable', /\btotal amount payable\b/i, 4),
    cue('amount of credit', /\bamount of credit\b/i, 3),
    cue('duration of the agreement', /\bduration of the agreement\b/i, 3),
    cue('right of withdrawal', /\bright of withdrawal\b|\bright to withdraw\b/i, 3),
    cue('agreement title', /\b(?:loan|hire purchase|credit|conditional sale) agreement\b/i, 3),
    cue('APR', /\bAPR\b/, 1),
    cue('repayments', /\b(?:monthly repayment|number of repayments|repayments? of)\b/i, 2),
    cue('early settlement', /\bearly settlement\b/i, 1),
    cue('borrower', /\bborrower\b/i, 1.5),
  ],
  debt_collection_letter: [
    cue('notice of enforcement', /\bnotice of enforcement\b/i, 5),
    cue('enforcement agent', /\benforcement agents?\b|\bbailiffs?\b/i, 3),
    cue('debt collection', /\bdebt collection\b|\bcollection agency\b/i, 4),
    cue('instructed', /\bwe have been instructed\b|\binstructed by\b/i, 4),
    cue('passed for collection', /\bpassed (?:to us|your \w+(?: \w+)? to us)\b|\bfor collection\b/i, 3),
    cue('our client', /\bour client\b/i, 2),
    cue('assignment', /\bnotice of assignment\b|\bassigned\b|\bsold to us\b|\bnow own the debt\b/i, 4),
    cue('collections team', /\b(?:collections?|recoveries|debt recovery|credit management|recovery services)\b/i, 2),
    cue('payment arrangement', /\bpayment (?:plan|arrangement)\b|\brepayment plan\b/i, 1),
    cue('amount owed', /\b(?:outstanding balance|amount (?:you owe|outstanding)|balance of your account)\b/i, 1.5),
    cue('liability order', /\bliability order\b|\bwarrant of control\b/i, 2),
    cue('compliance stage', /\bcompliance stage\b/i, 2),
    cue('original creditor', /\boriginal creditor\b|\bcreditor:/i, 2),
  ],
  court_document: [
    cue('claim form', /\bclaim form\b/i, 5),
    cue('County Court Business Centre', /\bCounty Court Business Centre\b/i, 5),
    cue('claim number', /\bclaim (?:number|no\.?)\b/i, 4),
    cue('claimant', /\bclaimant\b/i, 3),
    cue('defendant', /\bdefendant\b/i, 3),
    cue('hearing', /\bhearing\b/i, 2),
    cue('county court', /\bin the county court\b/i, 3),
    cue("magistrates' court", /\bmagistrates'? court\b/i, 2),
    cue('fine order', /\bcollection order\b|\bnotice of fine\b|\bvictim surcharge\b/i, 4),
    cue('statement of truth', /\bstatement of truth\b/i, 2),
    cue('possession claim', /\bpossession claim\b/i, 2),
    cue('HMCTS', /\bHM Courts (?:and|&) Tribunals Service\b|\bHMCTS\b/i, 3),
  ],
  benefit_statement: [
    cue('PIP', /\bPersonal Independence Payment\b|\bPIP\b/, 4),
    cue('ESA', /\bEmployment and Support Allowance\b|\bESA\b/, 4),
    cue('JSA', /\bJobseeker'?s Allowance\b|\bJSA\b/i, 4),
    cue('Child Benefit', /\bChild Benefit\b/i, 2),
    cue("Carer's Allowance", /\bCarer'?s Allowance\b/i, 4),
    cue('Pension Credit', /\bPension Credit\b|\bPension Service\b/i, 4),
    cue('Attendance Allowance', /\bAttendance Allowance\b/i, 4),
    cue('DWP', /\bDepartment for Work and Pensions\b|\bDWP\b/i, 1.5),
    cue('award', /\baward\b|\bentitled to\b/i, 2),
    cue('mandatory reconsideration', /\bmandatory reconsideration\b/i, 3),
    cue('PIP components', /\bdaily living\b|\bmobility component\b|\bsupport component\b|\bbasic allowance\b/i, 3),
    cue('weekly rate', /\ba week\b|\bevery \d weeks\b/i, 1),
    cue('change of circumstances', /\bchange (?:in|of) (?:your )?circumstances\b/i, 1),
  ],
  universal_credit_statement: [
    cue('Universal Credit', /\bUniversal Credit\b/i, 2),
    cue('assessment period', /\bassessment period\b/i, 5),
    cue('standard allowance', /\bstandard allowance\b/i, 5),
    cue('housing costs', /\bhousing (?:costs )?(?:amount|element)\b/i, 2),
    cue('child element', /\bchild (?:amount|element)\b/i, 2),
    cue('journal', /\bjournal\b/i, 2),
    cue('work coach', /\bwork coach\b|\bclaimant commitment\b/i, 2),
    cue('take-home pay', /\btake-home pay\b/i, 1),
    cue('advance', /\badvance payment\b|\bUniversal Credit advance\b/i, 1),
  ],
  council_tax_bill: [
    cue('council tax', /\bcouncil tax\b/i, 2),
    cue('council tax notice', /\bcouncil tax (?:bill|demand|reminder)|\bdemand notice\b|\breminder notice\b/i, 4),
    cue('band', /\bvaluation band\b|\bcouncil tax band\b|\bband:? [A-I]\b/i, 3),
    cue('billing authority', /\bbilling authority\b/i, 3),
    cue('annual charge', /\bannual charge\b/i, 3),
    cue(
      'precepts',
      /\bpolice and crime commissioner\b|\bfire and rescue\b|\badult social care\b|\bparish precept\b/i,
      2,
    ),
    cue('discount', /\bsingle person discount\b|\bcouncil tax (?:support|reduction)\b/i, 2),
    cue('instalments', /\binstalments?\b/i, 1.5),
    cue('revenues', /\brevenues and benefits\b/i, 2),
  ],
  utility_bill: [
    cue('kWh', /\bkWh\b/i, 4),
    cue('meter reading', /\bmeter (?:reading|serial|point)\b|\b(?:previous|present|latest) reading\b/i, 3),
    cue('MPAN/MPRN', /\bMPAN\b|\bMPRN\b|\bsupply number\b/i, 4),
    cue('standing charge', /\bstanding charges?\b/i, 3),
    cue('unit rate', /\bunit rate\b/i, 3),
    cue('energy', /\belectricity\b|\bgas\b|\benergy\b/i, 1.5),
    cue('water', /\bwater (?:supply|bill|used)\b|\bwastewater\b|\bsewerage\b/i, 3),
    cue('cubic metres', /\bcubic metres\b|\bm3\b/i, 2),
    cue('bill date', /\bbill date\b|\bbilling period\b|\bcharges for this period\b/i, 2),
    cue('tariff', /\b(?:social )?tariff\b/i, 1),
  ],
  rent_statement: [
    cue('rent account', /\brent account\b/i, 4),
    cue('rent statement', /\brent statement\b|\bstatement of rent\b/i, 4),
    cue('tenancy', /\btenancy\b/i, 3),
    cue('rent charge', /\brent charge\b|\bweekly rent\b|\brent due\b/i, 3),
    cue('housing officer', /\bhousing (?:association|officer|trust)\b/i, 2),
    cue('landlord', /\blandlord\b|\blettings\b/i, 2),
    cue('tenant', /\btenant\b/i, 2),
    cue('arrears', /\barrears\b/i, 1),
  ],
  income_evidence: [
    cue('payslip', /\bpay ?slip\b|\bpay advice\b|\bstatement of earnings\b/i, 5),
    cue('PAYE', /\bPAYE\b/, 3),
    cue('National Insurance', /\bNI contributions\b|\bnational insurance\b|\bemployee NIC\b/i, 2),
    cue('gross pay', /\bgross pay\b/i, 3),
    cue('net pay', /\bnet pay(?:ment)?\b|\btake home pay\b/i, 3),
    cue('tax code', /\btax code\b/i, 3),
    cue('tax period', /\btax period\b/i, 2),
    cue('employee', /\bemployee(?: no\.?| number)?:?\b/i, 2),
    cue('year to date', /\bYTD\b|\byear to date\b/i, 2),
    cue('basic pay', /\bbasic pay\b|\bovertime\b/i, 2),
  ],
  expenditure_evidence: [
    cue('receipt', /\breceipt\b/i, 4),
    cue('change due', /\bchange due\b/i, 3),
    cue('thank you', /\bthank you for (?:shopping|your custom)\b/i, 3),
    cue('till', /\btill \d+\b|\bcontactless\b/i, 2),
    cue('VAT number', /\bVAT No\b/i, 2),
    cue(
      'budget',
      /\bhousehold (?:budget|expenditure)\b|\bmonthly (?:outgoings|spending|expenditure)\b|\bspending diary\b|\boutgoings\b/i,
      4,
    ),
    cue('childcare fees', /\bchildcare fees\b|\bnursery\b|\bofsted\b/i, 3),
    cue('amount paid', /\bamount paid\b|\bdate paid\b/i, 1),
  ],
  other: [
    cue('appointment', /\bappointment\b/i, 2),
    cue('health', /\b(?:surgery|medical practice|clinic|hospital|NHS|outpatients?|infirmary)\b/i, 2),
    cue('school', /\bschool\b|\bparent or carer\b|\bpupils?\b/i, 2),
    cue('library', /\blibrary\b|\breading group\b/i, 2),
    cue('bins', /\brecycling\b|\bfood waste\b|\bbin will be\b/i, 2),
    cue('job interview', /\binterview\b|\bright to work\b/i, 2),
  ],
};

export const CLASSIFIER_LIMITS = Object.freeze({
  /** Below this best score, nothing financial was recognised: the document is "other". */
  minScore: 4,
  /** A best score this high counts as strong evidence on its own. */
  strongScore: 14,
  /** Statement-like rows (a date then amounts) needed before the layout counts. */
  minStatementRows: 3,
});

// A row starting with a date and carrying an amount, as in statements and rent accounts.
function statementRows(markdown: string): { rows: number; withBalance: number } {
  let rows = 0;
  let withBalance = 0;
  for (const line of markdown.split('\n')) {
    const text = line.replace(/^\s*\|?\s*/, '');
    const [first] = findDates(text);
    if (!first || first.index > 0) continue;
    const amounts = findAmounts(text, { bareNumbers: true });
    if (amounts.length === 0) continue;
    rows += 1;
    if (amounts.length >= 2) withBalance += 1;
  }
  return { rows, withBalance };
}

function emptyScores(): Record<DocumentType, number> {
  return Object.fromEntries(DOCUMENT_TYPES.map((type) => [type, 0])) as Record<DocumentType, number>;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The most likely type of a document, from its text alone. */
export function classifyDocument(markdown: string): Classification {
  const scores = emptyScores();
  const cues: string[] = [];
  for (const type of DOCUMENT_TYPES) {
    for (const { name, pattern, weight } of CUES[type]) {
      if (!pattern.test(markdown)) continue;
      scores[type] += weight;
      cues.push(`${type}: ${name}`);
    }
  }
  const layout = statementRows(markdown);
  if (layout.rows >= CLASSIFIER_LIMITS.minStatementRows) {
    scores.bank_statement += 2;
    scores.credit_card_statement += 1;
    scores.rent_statement += 1;
    cues.push('layout: statement rows');
    if (layout.withBalance >= CLASSIFIER_LIMITS.minStatementRows) {
      scores.bank_statement += 1;
      scores.rent_statement += 1;
      cues.push('layout: running balance column');
    }
  }
  if (findSortCodes(markdown).length > 0) {
    scores.bank_statement += 1;
    cues.push('layout: sort code');
  }
  for (const type of DOCUMENT_TYPES) scores[type] = round2(scores[type]);

  const ranked = DOCUMENT_TYPES.filter((type) => type !== 'other').sort((a, b) => scores[b] - scores[a]);
  const [best, runnerUp] = ranked;
  const limits = CLASSIFIER_LIMITS;
  if (scores[best] < limits.minScore) {
    // Nothing financial: the less the financial evidence, the surer "other" is.
    const doubt = scores[best] / limits.minScore;
    return { type: 'other', confidence: round2(0.9 - 0.4 * doubt), scores, cues };
  }
  const margin = (scores[best] - scores[runnerUp]) / scores[best];
  const strength = Math.min(1, scores[best] / limits.strongScore);
  return { type: best, confidence: round2(0.15 + 0.55 * margin + 0.3 * strength), scores, cues };
}

export const COMBINATION_POLICY = Object.freeze({
  /** Agreement closes this share of the gap between the stronger confidence and 1. */
  agreementBoost: 0.5,
  /** Disagreement keeps this share of the winner's confidence. */
  disagreementPenalty: 0.6,
});

/** One answer from the rules and an optional LLM guess. */
export function combineClassification({
  rules,
  llm,
}: {
  rules: Classification;
  llm?: { type: DocumentType; confidence: number };
}): CombinedClassification {
  if (!llm) return { type: rules.type, confidence: rules.confidence, decidedBy: 'rules', agreed: null };
  const policy = COMBINATION_POLICY;
  if (llm.type === rules.type) {
    const stronger = Math.max(rules.confidence, llm.confidence);
    return {
      type: rules.type,
      confidence: round2(stronger + (1 - stronger) * policy.agreementBoost),
      decidedBy: 'both',
      agreed: true,
    };
  }
  // Ties go to the rules: they are reproducible and cannot hallucinate a label.
  const llmWins = llm.confidence > rules.confidence;
  const winner = llmWins ? llm : rules;
  return {
    type: winner.type,
    confidence: round2(winner.confidence * policy.disagreementPenalty),
    decidedBy: llmWins ? 'llm' : 'rules',
    agreed: false,
  };
}
