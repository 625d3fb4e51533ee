import { HttpStatus } from '@nestjs/common';

/** An HTTP status's reason phrase as Nest's own error bodies write it: 422 → "Unprocessable Entity". */
export function httpStatusName(status: number): string | undefined {
  return HttpStatus[status]
    ?.toLowerCase()
    .replace(/(^|_)(\w)/g, (_, gap: string, letter: string) => (gap ? ' ' : '') + letter.toUpperCase());
}
