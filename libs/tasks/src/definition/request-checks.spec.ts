import { requestPathProblem } from './request-checks';

describe('requestPathProblem', () => {
  it.each(['/', '/api/v1/alerts', '/users/{{input.id}}/tickets', '/a/{{ input.x }}.json', '/a%20b', '/.well-known/x'])(
    'accepts %s',
    (path) => expect(requestPathProblem(path)).toBeNull(),
  );

  it.each([
    ['api/v1', 'must start with /'],
    ['https://evil.example/x', 'not a URL'],
    ['//evil.example/x', '//'],
    ['/a/../admin', '. or ..'],
    ['/a/%2e%2E/admin', '. or ..'],
    ['/a/./b', '. or ..'],
    ['/{{input.x}}/..', '. or ..'],
    ['/a\\b', '\\'],
    ['/a?x=1', '? or #'],
    ['/a#frag', '? or #'],
    ['/a b', 'whitespace'],
    ['/a\nb', 'whitespace'],
    ['/a/%zz', 'percent-encoding'],
  ])('refuses %s', (path, why) => {
    expect(requestPathProblem(path)).toContain(why);
  });
});
