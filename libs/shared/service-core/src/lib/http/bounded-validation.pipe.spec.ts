import { BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsString, ValidateNested } from 'class-validator';
import { BoundedValidationPipe } from './bounded-validation.pipe';

class Debt {
  @IsString()
  creditor!: string;
}

class Facts {
  @IsString()
  notes!: string;

  @ValidateNested({ each: true })
  @Type(() => Debt)
  debts!: Debt[];
}

const sut = new BoundedValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

async function messagesFor(body: Record<string, unknown>): Promise<string[]> {
  try {
    await sut.transform(body, { type: 'body', metatype: Facts });
  } catch (error) {
    if (error instanceof BadRequestException) return (error.getResponse() as { message: string[] }).message;
    throw error;
  }
  throw new Error('expected a 400');
}

describe(BoundedValidationPipe.name, () => {
  const valid = { notes: 'rang', debts: [{ creditor: 'Lowell' }] };

  it('names an unknown property shaped like a field name, so the client knows what to remove', async () => {
    expect(await messagesFor({ ...valid, tone: 'formal', client_name2: 'x' })).toEqual([
      'property tone should not exist',
      'property client_name2 should not exist',
    ]);
  });

  it('describes one that reads like pasted text by its length, at any depth, without repeating it', async () => {
    const pasted = 'Ms Quillfeather owes £300';
    const long = `a${'b'.repeat(64)}`;

    const messages = await messagesFor({
      ...valid,
      [pasted]: 'x',
      [long]: 'y',
      debts: [{ creditor: 'Lowell', [pasted]: 1 }],
    });

    expect(messages).toEqual([
      `property (a name of ${pasted.length} characters that is not a field name; not repeated) should not exist`,
      'property (a name of 65 characters that is not a field name; not repeated) should not exist',
      `debts.0.property (a name of ${pasted.length} characters that is not a field name; not repeated) should not exist`,
    ]);
    expect(messages.join(' ')).not.toMatch(/Quillfeather|bbbb/);
  });
});
