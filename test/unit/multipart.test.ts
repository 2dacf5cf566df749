import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { multipart } from '../../src/feishu/multipart.js';

/** Bytes that look like multipart framing, to prove the file is carried untouched. */
const TRICKY = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('\r\n--\r\n------feishu-notify-\r\n\r\n'),
  randomBytes(4096),
  Buffer.from([0, 0, 0xff, 0xfe]),
]);

function imagePart(bytes: Buffer, filename = 'coverage.png') {
  const path = join(mkdtempSync(join(tmpdir(), 'multipart-')), filename);
  writeFileSync(path, bytes);
  return { field: 'image', filename, path, size: bytes.length };
}

/** Parses the body back with the platform's own multipart parser (undici's). */
async function parse(contentType: string, body: Buffer): Promise<FormData> {
  return new Response(body, { headers: { 'content-type': contentType } }).formData();
}

describe('multipart', () => {
  it('parses back to the fields and the exact file bytes', async () => {
    const form = multipart({ image_type: 'message' }, imagePart(TRICKY));
    const body = await buffer(form.open());
    const parsed = await parse(form.contentType, body);
    expect(parsed.get('image_type')).toBe('message');
    const file = parsed.get('image') as File;
    expect(file.name).toBe('coverage.png');
    expect(Buffer.from(await file.arrayBuffer()).equals(TRICKY)).toBe(true);
  });

  it('declares the exact length it sends', async () => {
    const form = multipart({ image_type: 'message', extra: 'ü' }, imagePart(TRICKY));
    const body = await buffer(form.open());
    expect(form.length).toBe(body.length);
  });

  it('streams a file larger than a read chunk whole, with the length it declares', async () => {
    const big = Buffer.concat([TRICKY, randomBytes(300 * 1024)]);
    const form = multipart({ image_type: 'message' }, imagePart(big));
    const body = await buffer(form.open());
    expect(body.length).toBe(form.length);
    const file = (await parse(form.contentType, body)).get('image') as File;
    expect(Buffer.from(await file.arrayBuffer()).equals(big)).toBe(true);
  });

  it('sends the same body again for a retry', async () => {
    const form = multipart({ image_type: 'message' }, imagePart(TRICKY));
    const first = await buffer(form.open());
    const second = await buffer(form.open());
    expect(second.equals(first)).toBe(true);
  });

  it('uses a boundary that differs per body and is declared in the content type', async () => {
    const a = multipart({}, imagePart(TRICKY));
    const b = multipart({}, imagePart(TRICKY));
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(a.contentType)?.[1];
    expect(boundary).toBeTruthy();
    expect(a.contentType).not.toBe(b.contentType);
    const body = (await buffer(a.open())).toString('latin1');
    expect(body.startsWith(`--${boundary}\r\n`)).toBe(true);
    expect(body.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
  });

  it('cannot be broken out of by a file name', async () => {
    const form = multipart(
      { image_type: 'message' },
      imagePart(TRICKY, 'a"; name="image_type\r\nX: y\\.png'),
    );
    const head = (await buffer(form.open())).toString('latin1').split('\r\n\r\n')[2] ?? '';
    expect(head).not.toContain('\r\nX: y');
    const parsed = await parse(form.contentType, await buffer(form.open()));
    expect(parsed.getAll('image_type')).toEqual(['message']);
    const file = parsed.get('image') as File;
    expect(file.name).not.toMatch(/["\r\n\\]/);
    expect(Buffer.from(await file.arrayBuffer()).equals(TRICKY)).toBe(true);
  });

  it('carries an empty file', async () => {
    const form = multipart({ image_type: 'message' }, imagePart(Buffer.alloc(0), 'empty.png'));
    const body = await buffer(form.open());
    expect(form.length).toBe(body.length);
    const file = (await parse(form.contentType, body)).get('image') as File;
    expect(file.size).toBe(0);
  });
});
