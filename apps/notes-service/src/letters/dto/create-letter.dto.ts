import { IsOptionalNotNull } from '@rma/service-core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Notes longer than NOTES_MAX_CHARS are refused by the service; this bound only stops absurd bodies. */
export class CreateLetterDto {
  @ApiProperty({
    description: "The adviser's case notes, as written (shorthand is fine). Never logged.",
    example:
      'Cl rang 3/11. CT arrears £1,200 Bristol CC, summons hearing 14 March 2027. Octopus energy £450.50. ' +
      'Agreed: cl sends last 3 payslips by 1 Dec; we write to council to ask for hold on enforcement.',
  })
  @IsString()
  @IsNotEmpty({ message: 'notes must not be empty: paste the case notes the letter is based on' })
  @MaxLength(1_000_000)
  notes!: string;

  @ApiProperty({ description: 'How the letter greets the client.', example: 'Ms Patel' })
  @IsString()
  @IsNotEmpty({ message: 'clientName must not be empty: the letter needs someone to address' })
  @MaxLength(200)
  clientName!: string;

  @ApiPropertyOptional({ description: 'Signs the letter.', example: 'Sam Jones' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(200)
  adviserName?: string;

  @ApiPropertyOptional({ description: 'Signs the letter, under the adviser.', example: 'Bristol Debt Advice' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(200)
  organisation?: string;
}
