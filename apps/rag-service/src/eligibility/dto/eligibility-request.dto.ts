import { ApiPropertyOptional } from '@nestjs/swagger';
import { REGIONS, type Region } from '@rma/debt-rules';
import { IsClientId, IsOptionalNotNull } from '@rma/service-core';
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
// (IsOptionalNotNull) wherever it does not mean "never": an optional field is left out, not sent empty.
// No maxDecimalPlaces: class-validator throws on an exponent (1e-7), a 500; factProblems checks decimals.
const MONEY = { allowNaN: false, allowInfinity: false };

/** A client's facts, as `ClientFacts` of @rma/debt-rules, plus the date and the documents to read. */
export class EligibilityRequestDto {
  @ApiPropertyOptional({ description: 'Whose rules apply. Only England and Wales have rules so far.', enum: REGIONS })
  @IsOptionalNotNull()
  @IsIn(REGIONS)
  region?: Region;

  @ApiPropertyOptional({ type: [DebtDto], description: 'Every debt; or give `debtsTotal`.' })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => DebtDto)
  debts?: DebtDto[];

  @ApiPropertyOptional({ description: 'GBP, all debts, when there is no list (taken as unsecured).' })
  @IsOptionalNotNull()
  @IsNumber(MONEY)
  debtsTotal?: number;

  @ApiPropertyOptional({ description: 'GBP a month, after tax.' })
  @IsOptionalNotNull()
  @IsNumber(MONEY)
  monthlyIncome?: number;

  @ApiPropertyOptional({ description: 'GBP a month, normal household expenses.' })
  @IsOptionalNotNull()
  @IsNumber(MONEY)
  monthlyExpenses?: number;

  @ApiPropertyOptional({ description: 'GBP a month, income less expenses (negative for a shortfall).' })
  @IsOptionalNotNull()
  @IsNumber(MONEY)
  monthlySurplus?: number;

  @ApiPropertyOptional({ description: 'GBP, savings and belongings of value, not the home or the vehicle.' })
  @IsOptionalNotNull()
  @IsNumber(MONEY)
  assetsValue?: number;

  @ApiPropertyOptional({ description: 'GBP, the one vehicle the client owns; 0 for none.' })
  @IsOptionalNotNull()
  @IsNumber(MONEY)
  vehicleValue?: number;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  ownsHome?: boolean;

  @ApiPropertyOptional({ description: "GBP, the client's share of the home less the mortgage." })
  @IsOptionalNotNull()
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
  @IsOptionalNotNull()
  @IsBoolean()
  currentlyBankrupt?: boolean;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  bankruptcyPetitionPending?: boolean;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
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
  @IsOptionalNotNull()
  @IsBoolean()
  inMentalHealthCrisis?: boolean;

  @ApiPropertyOptional({
    description: 'Lived, owned property or had a business in England or Wales in the last 3 years.',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  connectedToEnglandOrWalesLast3Years?: boolean;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD whose rules apply; default today (UK time).', example: '2026-11-29' })
  @IsOptionalNotNull()
  @IsString()
  asOf?: string;

  @ApiPropertyOptional({ description: 'The client whose processed documents `documentIds` names.', example: 'cl-1042' })
  @IsOptionalNotNull()
  @IsClientId()
  clientId?: string;

  @ApiPropertyOptional({
    description:
      "Processed documents of `clientId` (doc-processor's ids) whose figures pre-fill debts and income; " +
      "the adviser's own figures win.",
    type: [String],
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  documentIds?: string[];

  @ApiPropertyOptional({ description: 'Write an explanation from the manuals (default true).', default: true })
  @IsOptionalNotNull()
  @IsBoolean()
  explain?: boolean;
}
