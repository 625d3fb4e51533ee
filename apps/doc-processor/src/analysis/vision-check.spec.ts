import { checkVisionAnswer } from './vision-check';

const ocrText = 'Northway Bank\nOpening balance £1,234.56\n01/03/2027 TESCO 10.50\nClosing balance £1,224.06';
const faithful =
  '# Northway Bank\n\nOpening balance: £1,234.56\n\n| 01/03/2027 | TESCO | 10.50 |\n\nClosing balance: £1,224.06';

describe(checkVisionAnswer.name, () => {
  it('accepts a faithful transcription', () => {
    expect(checkVisionAnswer({ vision: faithful, ocrText, ocrConfidence: 0.9 })).toEqual({
      accepted: true,
      reasons: [],
    });
  });

  it('rejects an empty answer', () => {
    const sut = checkVisionAnswer({ vision: ' \n ', ocrText, ocrConfidence: 0.9 });
    expect(sut).toEqual({ accepted: false, reasons: ['The answer is empty or nearly empty.'] });
  });

  it.each([
    ['a repeated line', `${faithful}\n${'| 01/03/2027 | TESCO | 10.50 |\n'.repeat(12)}`, /same line/],
    ['a run of one character', `${faithful}\n${'0'.repeat(80)}`, /one character/],
    ['a repeated phrase', `${faithful} ${'and the balance is carried forward to '.repeat(10)}`, /phrase/],
  ])('rejects a loop: %s', (_, vision, reason) => {
    const sut = checkVisionAnswer({ vision, ocrText, ocrConfidence: 0.9 });
    expect(sut.accepted).toBe(false);
    expect(sut.reasons.join(' ')).toMatch(reason);
  });

  it.each([
    '[Insert bank name here] £1,234.56 01/03/2027 10.50 £1,224.06',
    'I cannot read this image. £1,234.56 01/03/2027 10.50 £1,224.06',
    'As an AI, here is: £1,234.56 01/03/2027 10.50 £1,224.06',
  ])('rejects a placeholder or refusal: %s', (vision) => {
    const sut = checkVisionAnswer({ vision, ocrText, ocrConfidence: 0.9 });
    expect(sut.accepted).toBe(false);
    expect(sut.reasons).toEqual(['The answer contains a placeholder or a refusal instead of the page text.']);
  });

  it("rejects an answer missing the OCR's amounts when the OCR is confident", () => {
    const vision = 'Northway Bank\nOpening balance £1,243.56\nTESCO\nClosing balance';
    expect(checkVisionAnswer({ vision, ocrText, ocrConfidence: 0.9 })).toEqual({
      accepted: false,
      reasons: ['The answer lacks 4 of the 4 amounts and dates the OCR read.'],
    });
    expect(checkVisionAnswer({ vision, ocrText, ocrConfidence: 0.3 }).accepted).toBe(true);
  });

  it('rejects an answer far longer than the page text', () => {
    // Varied invented lines, so that only the length rule can object to them.
    const invented = Array.from({ length: 60 }, (_, i) => `Item ${i} costs ${i} pence more than item ${i + 1}`);
    const vision = `${faithful}\n\n${invented.join('\n')}`;
    const sut = checkVisionAnswer({ vision, ocrText, ocrConfidence: 0.9 });
    expect(sut.accepted).toBe(false);
    expect(sut.reasons).toEqual(['The answer is far longer than the text on the page: it may be invented.']);
  });

  describe('when the OCR is weak', () => {
    const letter =
      'Dear Customer, your electricity account is in arrears. Please contact Northway Energy within fourteen ' +
      'days to discuss repayment before we apply for a warrant.';
    // A poor OCR of that letter: numbers and some words garbled, most longer words right.
    const weakOcr =
      'Dcar Customer, yuor electricity account is in arrcars. Please contact Northway Energy within ' +
      'fourteen days to discuss repayment befoe we apply for a warrant.';

    it('accepts a faithful transcription the OCR only half read', () => {
      expect(checkVisionAnswer({ vision: letter, ocrText: weakOcr, ocrConfidence: 0.35 })).toEqual({
        accepted: true,
        reasons: [],
      });
    });

    it('rejects an answer that shares few of the words the OCR read: another page, or none', () => {
      const filler = 'Budget statement letters fees overdraft arrangement county weeks benefit energy water court.';
      expect(checkVisionAnswer({ vision: filler, ocrText: weakOcr, ocrConfidence: 0.35 })).toEqual({
        accepted: false,
        reasons: [expect.stringMatching(/^The answer shares only \d+% of the words the OCR read on the page\.$/)],
      });
    });
  });
});
