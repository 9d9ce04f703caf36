/**
 * BRAND_LOGO_FILE: the operator's logo, an SVG or PNG that Gatehouse serves itself (the CSP stays
 * strict: no other origin). Checked at start — a wrong extension, a file that is not what its
 * extension says (PNG signature; SVG text with an <svg> root), an empty or oversized file, or one
 * that cannot be read is a configuration error naming the setting, never a broken header later.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

/** a logo is a small picture in the header: a larger file is a mistake (a photo, the wrong file) */
export const BRAND_LOGO_MAX_BYTES = 512 * 1024;

export interface BrandLogo {
  body: Buffer;
  type: 'image/svg+xml' | 'image/png';
  extension: 'svg' | 'png';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** the logo's bytes and type; throws an Error whose message says what is wrong */
export function readBrandLogo(path: string): BrandLogo {
  const extension = extname(path).toLowerCase();
  if (extension !== '.svg' && extension !== '.png') throw new Error(`"${path}" must be an .svg or .png file`);
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch (e) {
    throw new Error(`"${path}" cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (body.length === 0) throw new Error(`"${path}" is empty`);
  if (body.length > BRAND_LOGO_MAX_BYTES) throw new Error(`"${path}" is larger than ${BRAND_LOGO_MAX_BYTES / 1024} KiB`);
  if (extension === '.png') {
    if (!body.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`"${path}" is not a PNG image (wrong signature)`);
    return { body, type: 'image/png', extension: 'png' };
  }
  // an SVG: UTF-8 text whose first element (after an XML declaration, comments, a doctype) is <svg
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.replace(/^(\s|<\?xml[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*/i, '');
  if (!/^<svg[\s>]/i.test(start)) throw new Error(`"${path}" is not an SVG image (no <svg> root element)`);
  return { body, type: 'image/svg+xml', extension: 'svg' };
}
