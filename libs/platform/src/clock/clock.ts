import { Injectable } from '@nestjs/common';

/** Wall-clock time behind an injectable seam so tests can move it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
  nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}
