import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';
import { IdGenerator } from './ids';
import { PasswordHasher } from './passwords';

@Global()
@Module({ providers: [Clock, IdGenerator, PasswordHasher], exports: [Clock, IdGenerator, PasswordHasher] })
export class PlatformModule {}
