import { Module, forwardRef } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import { Migrations, migrationsOf } from './module-migrations';

class Noop implements MigrationInterface {
  async up(): Promise<void> {}
  async down(): Promise<void> {}
}
class First1 extends Noop {}
class Second2 extends Noop {}
class Third3 extends Noop {}

@Migrations(First1)
@Module({})
class BaseModule {}

@Migrations(Second2)
@Module({ imports: [BaseModule] })
class MiddleModule {}

@Migrations(Third3)
@Module({})
class DynamicBase {}

@Module({ imports: [forwardRef(() => MiddleModule), { module: DynamicBase, imports: [BaseModule] }] })
class TopModule {}

describe('migrationsOf', () => {
  it('collects the migrations declared on the modules and everything they import, each once', () => {
    expect(migrationsOf([TopModule])).toEqual([Second2, First1, Third3]);
    expect(migrationsOf([MiddleModule, BaseModule])).toEqual([Second2, First1]);
  });

  it('finds none where no module declares any', () => {
    @Module({})
    class Plain {}
    expect(migrationsOf([Plain])).toEqual([]);
  });
});
