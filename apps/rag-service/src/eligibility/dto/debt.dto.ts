import { ApiProperty } from '@nestjs/swagger';
import { DEBT_TYPES, type DebtType } from '@rma/debt-rules';
import { IsBoolean, IsIn, IsNotEmpty, IsNumber, IsString, MaxLength } from 'class-validator';

/** One debt of the client; amounts are checked by @rma/debt-rules' factProblems. */
export class DebtDto {
  @ApiProperty({ example: 'Barclaycard' })
  @IsString()
  @IsNotEmpty({ message: 'debts.creditor must name the creditor' })
  @MaxLength(200)
  creditor!: string;

  @ApiProperty({ description: 'GBP owed.', example: 4200 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  amount!: number;

  @ApiProperty({ enum: DEBT_TYPES, example: 'credit_card' })
  @IsIn(DEBT_TYPES)
  type!: DebtType;

  @ApiProperty({ description: 'Secured on property (a mortgage always is).', example: false })
  @IsBoolean()
  secured!: boolean;
}
