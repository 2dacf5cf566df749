import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { findImages, MAX_IMAGE_BYTES, MAX_IMAGES, sniffImageFormat } from '../../src/images.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1');

/** The first bytes of real files of each format Feishu accepts. */
const SAMPLES: Record<string, Buffer> = {
  jpeg: hex('ffd8ffe0 0010 4a464946 00 0101 0000 0100 0100'),
  'jpeg (exif)': hex('ffd8ffe1 1c45 45786966 0000 4d4d 002a'),
  png: hex('89504e47 0d0a1a0a 0000000d 49484452 00000001 00000001 0806000000 1f15c489'),
  gif87a: Buffer.concat([ascii('GIF87a'), hex('0100 0100 800000')]),
  gif89a: Buffer.concat([ascii('GIF89a'), hex('0100 0100 800000')]),
  webp: Buffer.concat([ascii('RIFF'), hex('24000000'), ascii('WEBPVP8 '), hex('18000000')]),
  bmp: Buffer.concat([ascii('BM'), hex('3a000000 00000000 36000000 28000000 01000000')]),
  ico: hex('00000100 0100 1010 0000 0100 2000 6804 0000 1600 0000'),
  'tiff (little-endian)': hex('49492a00 08000000 0e00 fe00 0400 01000000'),
  'tiff (big-endian)': hex('4d4d002a 00000008 000e 00fe 0004 00000001'),
  heic: Buffer.concat([hex('00000018'), ascii('ftypheic'), hex('00000000'), ascii('mif1heic')]),
  'heif (mif1)': Buffer.concat([
    hex('0000001c'),
    ascii('ftypmif1'),
    hex('00000000'),
    ascii('mif1heic'),
  ]),
};
const FORMAT: Record<string, string> = {
  jpeg: 'jpeg',
  'jpeg (exif)': 'jpeg',
  png: 'png',
  gif87a: 'gif',
  gif89a: 'gif',
  webp: 'webp',
  bmp: 'bmp',
  ico: 'ico',
  'tiff (little-endian)': 'tiff',
  'tiff (big-endian)': 'tiff',
  heic: 'heic',
  'heif (mif1)': 'heic',
};

/** Pads to the 16 bytes the checker reads, as a file on disk would be. */
/** The first bytes, as findImages reads them (32). */
function head(bytes: Buffer): Buffer {
  const out = Buffer.alloc(32);
  bytes.copy(out, 0, 0, 32);
  return out;
}

describe('sniffImageFormat', () => {
  it.each(Object.keys(SAMPLES))('recognises %s by its bytes', (name) => {
    expect(sniffImageFormat(head(SAMPLES[name] as Buffer))).toBe(FORMAT[name]);
  });

  it.each([
    ['a text file', ascii('hello, this is a plain text file\n')],
    ['a PDF', ascii('%PDF-1.7\n%âãÏÓ\n1 0 obj')],
    ['an SVG', ascii('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['a zip', hex('504b0304 14000000 0800')],
    ['an AVIF', Buffer.concat([hex('0000001c'), ascii('ftypavif'), hex('00000000')])],
    ['a RIFF that is not WEBP', Buffer.concat([ascii('RIFF'), hex('24000000'), ascii('WAVEfmt ')])],
    ['a truncated PNG signature', hex('89504e47 0d0a')],
    ['nothing', Buffer.alloc(0)],
    ['zeros', Buffer.alloc(16)],
  ])('rejects %s', (_, bytes) => {
    expect(sniffImageFormat(head(bytes))).toBeUndefined();
  });

  it('rejects a text file that starts with "BM"', () => {
    expect(sniffImageFormat(head(ascii('BMW service notes\n')))).toBeUndefined();
    expect(sniffImageFormat(head(ascii('BM\n')))).toBeUndefined();
  });
});

describe('findImages', () => {
  let dir: string;
  const write = (name: string, bytes: Buffer) => writeFile(join(dir, name), bytes);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feishu-notify-images-'));
    await mkdir(join(dir, 'shots'));
    await write('shots/b.png', SAMPLES.png as Buffer);
    await write('shots/a.png', SAMPLES.png as Buffer);
    await write('shots/c.jpg', SAMPLES.jpeg as Buffer);
    await write('chart.webp', SAMPLES.webp as Buffer);
    await write('notes.txt', ascii('not an image at all, just notes\n'));
    await write('fake.png', ascii('plain text with a .png name'));
    await write('empty.png', Buffer.alloc(0));
    await write('bm.txt', ascii('BMW service notes\n'));
    await write('huge.png', SAMPLES.png as Buffer);
    await truncate(join(dir, 'huge.png'), MAX_IMAGE_BYTES + 1);
    await write('limit.png', SAMPLES.png as Buffer);
    await truncate(join(dir, 'limit.png'), MAX_IMAGE_BYTES);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function inputError(patterns: string[]): Promise<InputError> {
    const error = await findImages(patterns, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('images');
    return error as InputError;
  }

  it('finds a file by path, with its size, format and a stream of its bytes', async () => {
    const [image] = await findImages(['chart.webp'], dir);
    expect(image).toMatchObject({
      path: join(dir, 'chart.webp'),
      name: 'chart.webp',
      size: (SAMPLES.webp as Buffer).length,
      format: 'webp',
    });
    if (!image) throw new Error('no image found');
    expect(readFileSync(image.path).equals(SAMPLES.webp as Buffer)).toBe(true);
  });

  it('expands a glob in sorted order, without duplicates', async () => {
    const images = await findImages(['shots/*.png', 'shots/a.png', 'shots/*'], dir);
    expect(images.map((i) => i.name)).toEqual(['a.png', 'b.png', 'c.jpg']);
  });

  it('accepts a file of exactly 10 MB', async () => {
    const [image] = await findImages(['limit.png'], dir);
    expect(image?.size).toBe(MAX_IMAGE_BYTES);
  });

  it('rejects a text file, even with an image name, naming the file and the formats', async () => {
    for (const name of ['notes.txt', 'fake.png']) {
      const error = await inputError([name]);
      expect(error.message).toContain(JSON.stringify(name));
      expect(error.message).toMatch(/JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF or HEIC/);
    }
  });

  it('rejects a text file that starts with "BM"', async () => {
    await inputError(['bm.txt']);
  });

  it('rejects an empty file', async () => {
    expect((await inputError(['empty.png'])).message).toContain('is empty');
  });

  it('rejects a file over 10 MB', async () => {
    const error = await inputError(['huge.png']);
    expect(error.message).toContain('"huge.png"');
    expect(error.message).toMatch(/10\.0 MB.*up to 10 MB/);
  });

  it('rejects a missing file and a pattern that matches nothing', async () => {
    expect((await inputError(['nope.png'])).message).toContain('"nope.png" does not exist');
    expect((await inputError(['shots/*.gif'])).message).toContain('matches no file');
  });

  it('rejects a directory', async () => {
    expect((await inputError(['shots'])).message).toContain('is a directory');
  });

  it(`rejects more than ${MAX_IMAGES} files`, async () => {
    const many = join(dir, 'many');
    await mkdir(many);
    await Promise.all(
      Array.from({ length: MAX_IMAGES + 1 }, (_, i) =>
        writeFile(join(many, `${String(i).padStart(3, '0')}.png`), SAMPLES.png as Buffer),
      ),
    );
    const error = await inputError(['many/*.png']);
    expect(error.message).toContain(`at most ${MAX_IMAGES}`);
  });
});
