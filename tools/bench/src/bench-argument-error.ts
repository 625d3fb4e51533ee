/** A mistake in the command line or its inputs: the message says what to change. The CLI exits with 2. */
export class BenchArgumentError extends Error {
  override readonly name = 'BenchArgumentError';
}
