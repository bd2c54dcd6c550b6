import { acceptLogo, sanitizeSvg, MAX_LOGO_BYTES } from './logo-content';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('acceptLogo', () => {
  it('recognises a PNG by its bytes', async () => {
    expect((await acceptLogo(PNG)).content_type).toBe('image/png');
  });

  it('refuses text and oversize bodies with their codes', async () => {
    await expect(acceptLogo(Buffer.from('hello, I am not an image'))).rejects.toMatchObject({
      code: 'logo_type_not_allowed',
    });
    await expect(acceptLogo(Buffer.alloc(MAX_LOGO_BYTES + 1))).rejects.toMatchObject({ code: 'logo_too_large' });
    await expect(acceptLogo(Buffer.from('%PDF-1.4\n'))).rejects.toMatchObject({ code: 'logo_type_not_allowed' });
  });

  it('cleans scripts, handlers and external references out of an SVG', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">' +
      '<script>alert(2)</script><style>@import url(https://evil.test/x.css);</style>' +
      '<image xlink:href="https://evil.test/track.png"/><use href="#a"/>' +
      '<rect id="a" fill="url(https://evil.test/p)" width="1" height="1"/><circle fill="url(#g)" r="1"/></svg>';
    const logo = await acceptLogo(Buffer.from(svg));
    const text = logo.body.toString();
    expect(logo.content_type).toBe('image/svg+xml');
    expect(text).not.toMatch(/script|onload|evil\.test|@import/i);
    expect(text).toContain('url(#g)');
  });

  it('refuses an SVG with nothing of an SVG left', () => {
    expect(sanitizeSvg('<script>alert(1)</script><svg')).toBeNull();
  });
});
