import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IsOptionalButNotNull } from './optional';
import { IsName, assertName, trimName } from './name';

class Named {
  @IsName(10) name: string;
  @IsOptionalButNotNull() @IsName() label?: string;
}

const check = (plain: object) => {
  const dto = plainToInstance(Named, plain);
  return { dto, messages: validateSync(dto).flatMap((e) => Object.values(e.constraints ?? {})) };
};

describe('trimName', () => {
  it('trims strings (Unicode spaces and line breaks too) and leaves anything else alone', () => {
    expect(trimName('  Acme \t')).toBe('Acme');
    expect(trimName('\u00a0\u2003Acme\n\u3000')).toBe('Acme');
    expect(trimName('a  b')).toBe('a  b');
    expect(trimName(5)).toBe(5);
    expect(trimName(null)).toBeNull();
  });
});

describe('IsName', () => {
  it('hands the handler the trimmed name', () => {
    expect(check({ name: '  Acme  ' })).toEqual({
      dto: expect.objectContaining({ name: 'Acme' }) as unknown,
      messages: [],
    });
  });

  it.each(['', ' ', '\t\n', '\u00a0\u3000'])('refuses %j as empty', (name) => {
    expect(check({ name }).messages).toEqual(['name must not be empty or only whitespace']);
  });

  it('counts the length once trimmed, and refuses what is not text', () => {
    expect(check({ name: `  ${'a'.repeat(10)}  ` }).messages).toEqual([]);
    expect(check({ name: 'a'.repeat(11) }).messages).toEqual(['name must be at most 10 characters']);
    expect(check({ name: 5 }).messages).toContain('name must be a string');
    expect(check({ name: 'ok', label: '   ' }).messages).toEqual(['label must not be empty or only whitespace']);
    expect(check({ name: 'ok', label: null }).messages).toContain('label must be a string');
  });
});

describe('assertName', () => {
  it('returns the trimmed name, and refuses blank or long ones with 400 validation_failed naming the field', () => {
    expect(assertName(' Ops ', 'name')).toBe('Ops');
    expect(() => assertName(' \n ', 'name')).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        details: [{ field: 'name', message: 'name must not be empty or only whitespace' }],
      }) as Error,
    );
    expect(() => assertName('abc', 'name', 2)).toThrow('name must be at most 2 characters');
  });
});
