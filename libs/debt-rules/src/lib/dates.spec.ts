import { addDays, addMonths, isIsoDate } from './dates';

describe(isIsoDate.name, () => {
  it.each([
    ['2024-02-29', true],
    ['2021-06-29', true],
    ['2023-02-29', false],
    ['2024-02-30', false],
    ['2024-13-01', false],
    ['2024-2-3', false],
    ['29/06/2021', false],
    ['', false],
  ])('%p -> %p', (value, expected) => {
    expect(isIsoDate(value)).toBe(expected);
  });

  it('rejects a value that is not a string', () => {
    expect(isIsoDate(20240101)).toBe(false);
  });
});

describe(addMonths.name, () => {
  it.each([
    ['2019-03-10', 72, '2025-03-10'],
    ['2020-02-29', 72, '2026-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2024-03-01', 12, '2025-03-01'],
    ['2024-12-15', 1, '2025-01-15'],
  ])('%p + %p months = %p', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });
});

describe(addDays.name, () => {
  it('crosses month and year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });
});
