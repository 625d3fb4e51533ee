/** Why a letter request was refused; the exception filter maps every code to a status. */
export type LetterErrorCode = 'notes_too_long' | 'batch_too_large' | 'batch_not_found';

export class LetterError extends Error {
  constructor(
    readonly code: LetterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LetterError';
  }
}
