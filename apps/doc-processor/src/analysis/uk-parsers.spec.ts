import {
  findAccountNumbers,
  findAmounts,
  findClaimNumbers,
  findDates,
  findNationalInsuranceNumbers,
  findReferences,
  findSortCodes,
  formatPounds,
  parseAmount,
  parseDate,
  toPence,
} from './uk-parsers';

describe(findAmounts.name, () => {
  it.each([
    ['Total £1,234.56 due', 123_456],
    ['fee £12', 1_200],
    ['1,234.56 GBP', 123_456],
    ['GBP 99.10', 9_910],
    ['refund -£12.00', -1_200],
    ['refund £-12.00', -1_200],
    ['balance £12.00 DR', -1_200],
    ['balance £12.00 CR', 1_200],
    ['£ 45.5 paid', 4_550],
  ])('reads %s', (text, pence) => {
    expect(findAmounts(text).map((amount) => amount.pence)).toEqual([pence]);
  });

  it('returns the raw match, its index and the marker', () => {
    const [sut] = findAmounts('Pay £12.00 CR now');
    expect(sut).toEqual({ raw: '£12.00 CR', index: 4, pence: 1_200, pounds: 12, marker: 'CR' });
  });

  it('reads bare 2dp numbers only when asked', () => {
    const row = '03/03/2027  TESCO  23.45  1,210.11';
    expect(findAmounts(row)).toEqual([]);
    expect(findAmounts(row, { bareNumbers: true }).map((amount) => amount.pence)).toEqual([2_345, 121_011]);
  });

  it.each(['14.03.2027', 'at 10.30am', 'rate 24.9%', 'version 1.2.3', 'ref 12345678', 'on 12/03/2027'])(
    'does not read %s as money',
    (text) => {
      expect(findAmounts(text, { bareNumbers: true })).toEqual([]);
    },
  );
});

describe(findDates.name, () => {
  it.each([
    ['14/03/2027', '2027-03-14'],
    ['14/03/27', '2027-03-14'],
    ['14.03.2027', '2027-03-14'],
    ['14-03-2027', '2027-03-14'],
    ['14 March 2027', '2027-03-14'],
    ['14th Mar 2027', '2027-03-14'],
    ['1st of April 2027', '2027-04-01'],
    ['March 14 2027', '2027-03-14'],
    ['Mar 14, 2027', '2027-03-14'],
    ['2027-03-14', '2027-03-14'],
    ['29/02/2028', '2028-02-29'],
    ['by 8th\nNov 2027', '2027-11-08'],
  ])('reads %s', (text, iso) => {
    expect(findDates(text).map((date) => date.iso)).toEqual([iso]);
  });

  it.each(['31/02/2027', '29/02/2027', '14/13/2027', '£3.10', '12.50', '12-34-56', '£3.10.2027', '32 March 2027'])(
    'rejects %s',
    (text) => {
      expect(findDates(text)).toEqual([]);
    },
  );

  it('keeps the raw text and position of each date', () => {
    expect(findDates('From 1 May 2027 to 31/05/2027')).toEqual([
      { raw: '1 May 2027', index: 5, iso: '2027-05-01' },
      { raw: '31/05/2027', index: 19, iso: '2027-05-31' },
    ]);
  });
});

describe(findSortCodes.name, () => {
  it('reads hyphenated sort codes, and spaced ones only after the label', () => {
    expect(findSortCodes('Sort code 12-34-56').map((found) => found.sortCode)).toEqual(['12-34-56']);
    expect(findSortCodes('Sort code: 12 34 56').map((found) => found.sortCode)).toEqual(['12-34-56']);
    expect(findSortCodes('call 12 34 56')).toEqual([]);
    expect(findSortCodes('phone 0121-34-56-78')).toEqual([]);
  });
});

describe(findAccountNumbers.name, () => {
  it.each([
    ['Account number 12345678', '5678'],
    ['A/C no: 87654321', '4321'],
    ['Card number **** **** **** 1234', '1234'],
    ['Card ending 9876', '9876'],
    ['XXXX XXXX XXXX 4321', '4321'],
  ])('keeps only the last four digits of %s', (text, last4) => {
    expect(findAccountNumbers(text).map((found) => found.last4)).toEqual([last4]);
  });
});

describe(findReferences.name, () => {
  it.each([
    ['Our ref: AB123456', 'our ref', 'AB123456'],
    ['Your reference 99/1234-X', 'your reference', '99/1234-X'],
    ['Ref. LC-99812', 'ref', 'LC-99812'],
    ['Account number: 12345678', 'account number', '12345678'],
    ['Agreement number TC1817976', 'agreement number', 'TC1817976'],
  ])('reads %s', (text, label, reference) => {
    expect(findReferences(text)).toMatchObject([{ label, reference }]);
  });

  it('ignores a label followed by a word rather than an id', () => {
    expect(findReferences('Reference: please quote it')).toEqual([]);
  });
});

describe(findClaimNumbers.name, () => {
  it.each([
    ['Claim number: K1QZ1234', 'K1QZ1234'],
    ['Claim no. F0QZ12A3', 'F0QZ12A3'],
    ['CLAIM NUMBER\nH7AB34C5', 'H7AB34C5'],
  ])('reads %s', (text, claimNumber) => {
    expect(findClaimNumbers(text).map((found) => found.claimNumber)).toEqual([claimNumber]);
  });

  it('needs both letters and digits near the word claim', () => {
    expect(findClaimNumbers('Claim number 12345678')).toEqual([]);
    expect(findClaimNumbers('Claim form for ABCDEFGH')).toEqual([]);
    expect(findClaimNumbers('K1QZ1234 with no label')).toEqual([]);
  });
});

describe(findNationalInsuranceNumbers.name, () => {
  it('reads spaced and compact numbers and skips prefixes never issued', () => {
    expect(findNationalInsuranceNumbers('NI AB 12 34 56 C and JK123456D').map((found) => found.niNumber)).toEqual([
      'AB123456C',
      'JK123456D',
    ]);
    expect(findNationalInsuranceNumbers('GB123456A QQ123456C')).toEqual([]);
  });
});

describe('amount and date helpers', () => {
  it('normalise so that differently printed values compare equal', () => {
    expect(parseAmount('£1,234.56')).toBe(1234.56);
    expect(parseAmount('1234.56')).toBe(1234.56);
    expect(toPence(0.1 + 0.2)).toBe(30);
    expect(formatPounds(-1234.5)).toBe('-£1,234.50');
    expect(parseDate('14th Mar 2027')).toBe(parseDate('14/03/27'));
    expect(parseDate('no date')).toBeNull();
  });
});
