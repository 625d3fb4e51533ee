import { Module } from '@nestjs/common';
import { LetterBatches } from './letter-batches';
import { LettersController } from './letters.controller';
import { LettersService } from './letters.service';

@Module({ controllers: [LettersController], providers: [LettersService, LetterBatches] })
export class LettersModule {}
