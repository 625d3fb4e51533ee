import { ApiPropertyOptional } from '@nestjs/swagger';
import { REGIONS, type Region } from '@rma/debt-rules';
import { IsClientId } from '@rma/service-core';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsString,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { DebtDto } from './debt.dto';

// Types only: amounts (negative, more than 2 decimals), dates (impossible, after asOf) and totals that
// disagree are checked by @rma/debt-rules' factProblems, which says what to change. A null is refused
// wherever it does not mean "never": an optional field is left out, not sent empty.
const present = (_: object, value: unknown) => value !== undefined;
// No maxDecimalPlaces: class-validator throws on an exponent (1e-7), a 500; factProblems checks decimals.
const MONEY = { allowNaN: false, allowInfinity: false };

/** A client's facts, as `ClientFacts` of @rma/debt-rules, plus the date and the documents to read. */
export class EligibilityRequestDto {
  @ApiPropertyOptional({ description: 'Whose rules apply. Only England and Wales have rules so far.', enum: REGIONS })
  @ValidateIf(present)
  @IsIn(REGIONS)
  region?: Region;

  @ApiPropertyOptional({ type: [DebtDto], description: 'Every debt; or give `debtsTotal`.' })
  @ValidateIf(present)
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => DebtDto)
  debts?: DebtDto[];

  @ApiPropertyOptional({ description: 'GBP, all debts, when there is no list (taken as unsecured).' })
  @ValidateIf(present)
  @IsNumber(MONEY)
  debtsTotal?: number;

  @ApiPropertyOptional({ description: 'GBP a month, after tax.' })
  @ValidateIf(present)
  @IsNumber(MONEY)
  monthlyIncome?: number;

  @ApiPropertyOptional({ description: 'GBP a month, normal household expenses.' })
  @ValidateIf(present)
  @IsNumber(MONEY)
  monthlyExpenses?: number;

  @ApiPropertyOptional({ description: 'GBP a month, income less expenses (negative for a shortfall).' })
  @ValidateIf(present)
  @IsNumber(MONEY)
  monthlySurplus?: number;

  @ApiPropertyOptional({ description: 'GBP, savings and belongings of value, not the home or the vehicle.' })
  @ValidateIf(present)
  @IsNumber(MONEY)
  assetsValue?: number;

  @ApiPropertyOptional({ description: 'GBP, the one vehicle the client owns; 0 for none.' })
  @ValidateIf(present)
  @IsNumber(MONEY)
  vehicleValue?: number;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsBoolean()
  ownsHome?: boolean;

  @ApiPropertyOptional({ description: "GBP, the client's share of the home less the mortgage." })
  @ValidateIf(present)
  @IsNumber(MONEY)
  homeEquity?: number;

  @ApiPropertyOptional({
    description: 'YYYY-MM-DD the last DRO was approved; null for never.',
    nullable: true,
    example: null,
  })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsString()
  lastDebtReliefOrderApprovedOn?: string | null;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsBoolean()
  currentlyBankrupt?: boolean;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsBoolean()
  bankruptcyPetitionPending?: boolean;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsBoolean()
  inIva?: boolean;

  @ApiPropertyOptional({
    description: 'YYYY-MM-DD the last standard breathing space ended; null for never.',
    nullable: true,
  })
  @ValidateIf((_, value) => value !== undefined && value !== null)
  @IsString()
  lastStandardBreathingSpaceEndedOn?: string | null;

  @ApiPropertyOptional({ description: 'Receiving mental health crisis treatment now.' })
  @ValidateIf(present)
  @IsBoolean()
  inMentalHealthCrisis?: boolean;

  @ApiPropertyOptional({
    description: 'Lived, owned property or had a business in England or Wales in the last 3 years.',
  })
  @ValidateIf(present)
  @IsBoolean()
  connectedToEnglandOrWalesLast3Years?: boolean;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD whose rules apply; default today (UK time).', example: '2026-11-29' })
  @ValidateIf(present)
  @IsString()
  asOf?: string;

  @ApiPropertyOptional({ description: 'The client whose processed documents `documentIds` names.', example: 'cl-1042' })
  @ValidateIf(present)
  @IsClientId()
  clientId?: string;

  @ApiPropertyOptional({
    description:
      "Processed documents of `clientId` (doc-processor's ids) whose figures pre-fill debts and income; " +
      "the adviser's own figures win.",
    type: [String],
  })
  @ValidateIf(present)
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  documentIds?: string[];

  @ApiPropertyOptional({ description: 'Write an explanation from the manuals (default true).', default: true })
  @ValidateIf(present)
  @IsBoolean()
  explain?: boolean;
}
