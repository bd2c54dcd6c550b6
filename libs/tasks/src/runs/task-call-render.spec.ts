import {
  CredentialHostError,
  TaskRenderError,
  recordedUrl,
  renderTaskRequest,
  taskRequestUrl,
} from './task-call-render';

const context = { input: { id: 'a/b?c', n: 5, list: [1, 2] }, instance: { region: 'eu' }, deps: { login: { s: 'x' } } };

describe('renderTaskRequest', () => {
  it('renders each part, encoding path values, with credentials filled and masked', () => {
    const { sent, recorded } = renderTaskRequest(
      {
        path: '/v1/{{input.id}}/{{input.n}}/{{credentials.token}}',
        query: { list: '{{input.list}}', region: '{{instance.region}}', s: '{{deps.login.s}}' },
        headers: { 'X-Token': 'T {{credentials.token}}' },
        body: { n: '{{input.n}}', text: 'n={{input.n}}', token: '{{credentials.token}}' },
      },
      context,
      { token: 't/1' },
    );
    expect(sent).toEqual({
      path: '/v1/a%2Fb%3Fc/5/t%2F1',
      query: [
        ['list', '[1,2]'],
        ['region', 'eu'],
        ['s', 'x'],
      ],
      headers: { 'X-Token': 'T t/1' },
      body: { n: 5, text: 'n=5', token: 't/1' },
    });
    expect(recorded.path).toBe('/v1/a%2Fb%3Fc/5/%5BREDACTED%5D');
    expect(recorded.headers).toEqual({ 'X-Token': 'T [REDACTED]' });
    expect(recorded.body).toEqual({ n: 5, text: 'n=5', token: '[REDACTED]' });
  });

  it('refuses a header value that cannot be sent, without showing it', () => {
    expect(() =>
      renderTaskRequest({ path: '/', query: {}, headers: { 'X-A': '{{credentials.token}}' }, body: null }, context, {
        token: 'line\nbreak',
      }),
    ).toThrow(
      new TaskRenderError(
        'request.headers.X-A: the rendered value cannot be sent as a header: it must be printable ASCII or tab, up to 4000 characters',
      ),
    );
  });

  it('refuses an unclosed template and an expression that fails', () => {
    const render = (path: string) => () => renderTaskRequest({ path, query: {}, headers: {}, body: null }, context, {});
    expect(render('/{{input.id')).toThrow(TaskRenderError);
    expect(render('/{{input.missing}}')).toThrow(TaskRenderError);
  });
});

describe('taskRequestUrl', () => {
  it('appends the path to the base URL path, keeping its query before the task query', () => {
    expect(taskRequestUrl('https://api.example.com/v2/?tenant=7', '/alerts', [['q', 'a b']]).toString()).toBe(
      'https://api.example.com/v2/alerts?tenant=7&q=a+b',
    );
    expect(taskRequestUrl('https://api.example.com', '//other.example/x', []).toString()).toBe(
      'https://api.example.com//other.example/x',
    );
  });

  it('refuses a URL on another host, port or scheme', () => {
    expect(() => taskRequestUrl('https://api.example.com', '@evil.example/x', [])).toThrow(CredentialHostError);
    expect(() => taskRequestUrl('https://api.example.com:8443', '.evil.example/x', [])).toThrow(CredentialHostError);
  });

  it('refuses a base URL that is not one as a render failure', () => {
    expect(() => taskRequestUrl('not a url', '/x', [])).toThrow(TaskRenderError);
  });

  it('records [REDACTED] readably', () => {
    const url = taskRequestUrl('https://api.example.com', '/%5BREDACTED%5D', [['k', '[REDACTED]']]);
    expect(recordedUrl(url)).toBe('https://api.example.com/[REDACTED]?k=[REDACTED]');
  });
});
