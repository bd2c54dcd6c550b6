import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, ValidateNested } from 'class-validator';
import { ConduitException } from '@conduit/platform';
import { createValidationPipe } from './validation';

class Item {
  @IsString() name: string;
  @IsInt() count: number;
}

class Body {
  @IsString() title: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => Item) items: Item[];
}

async function fieldsOf(value: unknown): Promise<string[]> {
  try {
    await createValidationPipe().transform(value, { type: 'body', metatype: Body });
  } catch (err) {
    return (err as ConduitException<string>).details.map((d) => d.field ?? '');
  }
  throw new Error('the body was accepted');
}

describe('createValidationPipe', () => {
  it('names array items by index in brackets and keys with dots, as the rest of the API does', async () => {
    const fields = await fieldsOf({
      title: 7,
      items: [
        { name: 'a', count: 1 },
        { name: 3, count: 'x' },
      ],
    });
    expect(fields).toEqual(['title', 'items[1].name', 'items[1].count']);
  });

  it('names an unknown key inside an item', async () => {
    expect(await fieldsOf({ title: 't', items: [{ name: 'a', count: 1, colour: 'red' }] })).toEqual([
      'items[0].colour',
    ]);
  });
});
