// The facts pulled from each kind of document, as zod schemas shared by the deterministic extractors
// and an LLM's structured output. Every string, array and number is bounded so constrained decoding
// always closes the JSON, and every key is required-but-nullable because strict structured-output
// modes reject optional keys.
import { z } from 'zod';
import type { DocumentType } from './document-types';

const MAX_AMOUNT = 10_000_000;
const MAX_TRANSACTIONS = 500;
const MAX_LIST = 50;

const shortText = z.string().max(200);
/** Pounds, 2dp. */
const amount = z.number().min(-MAX_AMOUNT).max(MAX_AMOUNT);
const isoDate = z.iso.date();

const period = z.object({ from: isoDate.nullable(), to: isoDate.nullable() });
const labelledAmount = z.object({ label: shortText, amount });
const labelledDate = z.object({ label: shortText, date: isoDate });
const deadline = z.object({ date: isoDate, action: shortText });

export const transactionSchema = z.object({
  date: isoDate,
  description: shortText,
  /** Always positive; the direction says which way the money went. */
  amount: amount.min(0),
  direction: z.enum(['credit', 'debit']),
  balance: amount.nullable(),
});

export const statementFactsSchema = z.object({
  holder: shortText.nullable(),
  accountLast4: z
    .string()
    .regex(/^\d{4}$/)
    .nullable(),
  sortCode: z
    .string()
    .regex(/^\d{2}-\d{2}-\d{2}$/)
    .nullable(),
  period,
  openingBalance: amount.nullable(),
  closingBalance: amount.nullable(),
  transactions: z.array(transactionSchema).max(MAX_TRANSACTIONS),
});

export const cardStatementFactsSchema = statementFactsSchema.extend({
  creditLimit: amount.nullable(),
  minimumPayment: amount.nullable(),
  paymentDueDate: isoDate.nullable(),
});

export const debtLetterFactsSchema = z.object({
  creditor: shortText.nullable(),
  originalCreditor: shortText.nullable(),
  reference: z.string().max(40).nullable(),
  balance: amount.nullable(),
  arrears: amount.nullable(),
  dates: z.array(isoDate).max(MAX_LIST),
  demands: z.array(shortText).max(MAX_LIST),
  deadlines: z.array(deadline).max(MAX_LIST),
});

export const loanAgreementFactsSchema = debtLetterFactsSchema.extend({
  /** Percent, e.g. 19.9 */
  apr: z.number().min(0).max(1000).nullable(),
  monthlyPayment: amount.nullable(),
  /** Months */
  term: z.number().int().min(0).max(600).nullable(),
});

export const courtDocumentFactsSchema = z.object({
  court: shortText.nullable(),
  claimNumber: z.string().max(20).nullable(),
  claimant: shortText.nullable(),
  defendant: shortText.nullable(),
  hearingDate: isoDate.nullable(),
  amountClaimed: amount.nullable(),
  deadlines: z.array(deadline).max(MAX_LIST),
});

export const billFactsSchema = z.object({
  issuer: shortText.nullable(),
  accountReference: z.string().max(40).nullable(),
  period,
  amountDue: amount.nullable(),
  dueDate: isoDate.nullable(),
  arrears: amount.nullable(),
});

export const councilTaxBillFactsSchema = billFactsSchema.extend({
  band: z.enum(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I']).nullable(),
});

export const benefitFactsSchema = z.object({
  benefit: shortText.nullable(),
  period,
  amounts: z.array(labelledAmount).max(MAX_LIST),
  deductions: z.array(labelledAmount).max(MAX_LIST),
  totalPaid: amount.nullable(),
  paymentDate: isoDate.nullable(),
});

export const payslipFactsSchema = benefitFactsSchema.extend({
  employer: shortText.nullable(),
  grossPay: amount.nullable(),
  netPay: amount.nullable(),
});

export const genericFactsSchema = z.object({
  parties: z.array(shortText).max(MAX_LIST),
  amounts: z.array(labelledAmount).max(MAX_LIST),
  dates: z.array(labelledDate).max(MAX_LIST),
  actionsRequired: z.array(shortText).max(MAX_LIST),
});

export const EXTRACTION_SCHEMAS = {
  bank_statement: statementFactsSchema,
  credit_card_statement: cardStatementFactsSchema,
  loan_agreement: loanAgreementFactsSchema,
  debt_collection_letter: debtLetterFactsSchema,
  court_document: courtDocumentFactsSchema,
  benefit_statement: benefitFactsSchema,
  utility_bill: billFactsSchema,
  rent_statement: billFactsSchema,
  council_tax_bill: councilTaxBillFactsSchema,
  income_evidence: payslipFactsSchema,
  expenditure_evidence: genericFactsSchema,
  universal_credit_statement: benefitFactsSchema,
  other: genericFactsSchema,
} as const satisfies Record<DocumentType, z.ZodType>;

export type ExtractionSchemaFor<T extends DocumentType> = (typeof EXTRACTION_SCHEMAS)[T];
export type FactsFor<T extends DocumentType> = z.output<ExtractionSchemaFor<T>>;
export type DocumentFacts = FactsFor<DocumentType>;

export type Transaction = z.output<typeof transactionSchema>;
export type StatementFacts = z.output<typeof statementFactsSchema>;
export type CardStatementFacts = z.output<typeof cardStatementFactsSchema>;
export type DebtLetterFacts = z.output<typeof debtLetterFactsSchema>;
export type LoanAgreementFacts = z.output<typeof loanAgreementFactsSchema>;
export type CourtDocumentFacts = z.output<typeof courtDocumentFactsSchema>;
export type BillFacts = z.output<typeof billFactsSchema>;
export type CouncilTaxBillFacts = z.output<typeof councilTaxBillFactsSchema>;
export type BenefitFacts = z.output<typeof benefitFactsSchema>;
export type PayslipFacts = z.output<typeof payslipFactsSchema>;
export type GenericFacts = z.output<typeof genericFactsSchema>;

/** The schema an extraction of this document type must satisfy. */
export function extractionSchemaFor<T extends DocumentType>(type: T): ExtractionSchemaFor<T> {
  return EXTRACTION_SCHEMAS[type];
}
