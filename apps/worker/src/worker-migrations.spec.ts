import { API_MIGRATIONS } from '@conduit/api/api.module';
import { WORKER_MIGRATIONS } from './worker.module';

describe('the worker’s migrations', () => {
  it('are the API’s: either process may migrate the schema at start', () => {
    expect(new Set(WORKER_MIGRATIONS)).toEqual(new Set(API_MIGRATIONS));
  });
});
