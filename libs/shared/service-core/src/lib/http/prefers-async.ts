/**
 * Whether the caller asked for the work to run in the background (`Prefer: respond-async`, RFC 7240):
 * a batch endpoint then answers 202 with a job to poll, however small the batch.
 */
export function prefersAsync(request: { headers: Record<string, string | string[] | undefined> }): boolean {
  const prefer = request.headers['prefer'];
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  return values.some((value) => value.split(',').some((token) => token.trim().toLowerCase() === 'respond-async'));
}
