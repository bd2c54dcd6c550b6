// What may be an integration's logo: PNG, JPEG or WebP recognised by their bytes (never by a name or a declared type),
// or an SVG cleaned by DOMPurify (scripts, event handlers, foreign content) with every external reference removed
// (href / xlink:href not pointing inside the document, url() to anything but a fragment, <style> fetching anything).
import { createHash } from 'node:crypto';
import createDOMPurify from 'dompurify';
import { fileTypeFromBuffer } from 'file-type';
import { JSDOM } from 'jsdom';
import { IntegrationsException } from '../integrations.exception';

export const MAX_LOGO_BYTES = 512 * 1024;
export const RASTER_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export const SVG_TYPE = 'image/svg+xml';

export interface LogoContent {
  content_type: string;
  body: Buffer;
  sha256: string;
}

/** The logo shown for an integration without one. */
export const DEFAULT_LOGO: LogoContent = (() => {
  const body = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">' +
      '<rect width="64" height="64" rx="12" fill="#64748b"/>' +
      '<path d="M20 32h24M32 20v24" stroke="#fff" stroke-width="6" stroke-linecap="round"/></svg>',
  );
  return { content_type: SVG_TYPE, body, sha256: sha256(body) };
})();

/** url(...) naming anything but a fragment of this document (url(#gradient) is fine). */
const EXTERNAL_URL = /url\s*\(\s*(?!['"]?\s*#)/i;
const EXTERNAL_STYLE = /@import|url\s*\(\s*(?!['"]?\s*#)/i;

type Purifier = ReturnType<typeof createDOMPurify>;
let purifier: Purifier | null = null;

/** DOMPurify on a jsdom window, made at the first SVG (a process that never sees one never loads a DOM). */
function purify(): Purifier {
  if (purifier) return purifier;
  const p = createDOMPurify(new JSDOM('').window as Parameters<typeof createDOMPurify>[0]);
  p.addHook('uponSanitizeAttribute', (_node, data) => {
    const name = data.attrName.toLowerCase();
    const value = data.attrValue.trim();
    if ((name === 'href' || name === 'xlink:href' || name.endsWith(':href')) && !value.startsWith('#'))
      data.keepAttr = false;
    else if (EXTERNAL_URL.test(value)) data.keepAttr = false;
  });
  p.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && EXTERNAL_STYLE.test(node.textContent ?? '')) node.parentNode?.removeChild(node);
  });
  purifier = p;
  return p;
}

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** An SVG with what could run or fetch removed; null when nothing of an SVG is left. */
export function sanitizeSvg(text: string): string | null {
  const clean = purify().sanitize(text, { USE_PROFILES: { svg: true, svgFilters: true } });
  const trimmed = clean.trim();
  return /^<svg[\s>]/i.test(trimmed) ? trimmed : null;
}

function looksLikeSvg(body: Buffer): string | null {
  const text = body.toString('utf8');
  if (Buffer.byteLength(text) !== body.length || text.includes('\uFFFD')) return null; // not UTF-8
  return /<svg[\s>]/i.test(text) ? text : null;
}

/** Accepts the bytes as a logo (400 logo_type_not_allowed, 413 logo_too_large, 400 logo_unsafe) or refuses. */
export async function acceptLogo(body: Buffer): Promise<LogoContent> {
  if (body.length > MAX_LOGO_BYTES)
    throw new IntegrationsException('logo_too_large', `A logo is at most ${MAX_LOGO_BYTES} bytes`, [
      { field: 'logo', message: `${body.length} bytes, at most ${MAX_LOGO_BYTES}` },
    ]);
  if (body.length === 0) throw typeNotAllowed('empty');
  const sniffed = await fileTypeFromBuffer(body);
  if (sniffed && (RASTER_TYPES as readonly string[]).includes(sniffed.mime))
    return { content_type: sniffed.mime, body, sha256: sha256(body) };
  const svg = sniffed ? null : looksLikeSvg(body);
  if (svg === null) throw typeNotAllowed(sniffed?.mime ?? 'unrecognised content');
  const clean = sanitizeSvg(svg);
  if (clean === null)
    throw new IntegrationsException('logo_unsafe', 'The SVG has nothing left once made safe', [
      { field: 'logo', message: 'no <svg> element survives sanitising' },
    ]);
  const cleanBody = Buffer.from(clean, 'utf8');
  return { content_type: SVG_TYPE, body: cleanBody, sha256: sha256(cleanBody) };
}

const typeNotAllowed = (found: string) =>
  new IntegrationsException('logo_type_not_allowed', 'A logo is a PNG, JPEG, WebP or SVG image', [
    { field: 'logo', message: `found: ${found}` },
  ]);
