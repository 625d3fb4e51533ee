import { ApiProperty } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsObject } from 'class-validator';

/**
 * Items are validated one by one by the service, not here: one bad item gets its own error in the
 * results and the rest are still written.
 */
export class CreateLetterBatchDto {
  @ApiProperty({
    description: 'Letters to write, each as the body of POST /letters; at most LETTER_BATCH_MAX_ITEMS.',
    type: 'array',
    items: { type: 'object' },
    example: [
      { notes: 'Cl owes £300 to Barclaycard. We will ask for a payment plan.', clientName: 'Mr Okafor' },
      { notes: 'Rent arrears £820 to Clarion; court date 2 Feb 2027.', clientName: 'Ms Byrne' },
    ],
  })
  @IsArray()
  @ArrayNotEmpty({ message: 'items must not be empty: send at least one letter to write' })
  @IsObject({ each: true, message: 'each of items must be an object like the body of POST /letters' })
  items!: Record<string, unknown>[];
}
