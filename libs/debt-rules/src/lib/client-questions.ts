// The questions an adviser asks when a fact is missing. One wording per fact, shared by every rule
// that needs it, so the report's de-duplicated list asks each thing once.

/** The question for each missing fact. */
export const CLIENT_QUESTIONS = {
  region: 'Which part of the UK does the client live in: England, Wales, Scotland or Northern Ireland?',
  debts:
    'What debts does the client have: for each, the creditor, the amount owed, the type and whether it is secured?',
  debtList:
    'Can the client list their debts one by one (creditor, amount, type, secured)? The rules need to tell the creditors apart.',
  surplus: 'What is the client\u2019s monthly income, and what are their normal monthly household expenses?',
  assets: 'What are the client\u2019s savings and belongings of value worth, not counting their home and vehicle?',
  vehicle: 'Does the client own a vehicle, and if so what is it worth?',
  ownsHome: 'Does the client own their home, alone or jointly?',
  homeEquity: 'How much equity does the client have in their home (its value less the mortgage, for their share)?',
  previousDro: 'Has the client had a debt relief order before, and if so on what date was it approved?',
  bankrupt: 'Is the client bankrupt at the moment?',
  petition: 'Is there a bankruptcy petition against the client waiting to be heard?',
  iva: 'Is the client in an individual voluntary arrangement (IVA) at the moment?',
  connection: 'In the last 3 years has the client lived, owned property or had a business in England or Wales?',
  lastBreathingSpace: 'Has the client had a standard breathing space before, and if so on what date did it end?',
  mentalHealthCrisis: 'Is the client receiving mental health crisis treatment at the moment?',
} as const;
