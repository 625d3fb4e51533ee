import { httpStatusName } from './http-status-name';

describe(httpStatusName.name, () => {
  it.each([
    [400, 'Bad Request'],
    [413, 'Payload Too Large'],
    [422, 'Unprocessable Entity'],
    [503, 'Service Unavailable'],
  ])('names %d %s', (status, name) => {
    expect(httpStatusName(status)).toBe(name);
  });

  it('names nothing for a status Nest does not know', () => {
    expect(httpStatusName(599)).toBeUndefined();
  });
});
