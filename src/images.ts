/**
 * The `images` input: patterns -> files, every one checked before anything is uploaded or
 * sent (exists, not empty, <= 10 MB, an image format Feishu accepts, by its bytes).
 * Files are read at upload time, never held in memory whole.
 */
import { open, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { Input } from './constants.js';
import { InputError } from './errors.js';
import type { ImageFile } from './feishu/client.js';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const MAX_IMAGES = 50;
const FORMATS = 'JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF or HEIC';

export interface CheckedImage extends ImageFile {
  format: string;
}

const BMP_DIB_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** The image format named by a file's first bytes, or undefined. */
export function sniffImageFormat(head: Buffer): string | undefined {
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  // "BM" alone starts plenty of text; a BMP also has zeroed reserved bytes and a known DIB header size.
  if (
    ascii(0, 2) === 'BM' &&
    head.length >= 18 &&
    head.readUInt32LE(6) === 0 &&
    BMP_DIB_SIZES.has(head.readUInt32LE(14))
  ) {
    return 'bmp';
  }
  if (head.subarray(0, 4).equals(Buffer.from([0, 0, 1, 0]))) return 'ico';
  if (ascii(0, 4) === 'II*\u0000' || ascii(0, 4) === 'MM\u0000*') return 'tiff';
  if (ascii(4, 8) === 'ftyp' && HEIF_BRANDS.has(ascii(8, 12))) return 'heic';
  return undefined;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Expands and checks every pattern; throws InputError naming the pattern or file at fault. */
export async function findImages(patterns: string[], workspace: string): Promise<CheckedImage[]> {
  const paths: string[] = [];
  for (const pattern of patterns) {
    const matches = GLOB_CHARS.test(pattern)
      ? await expand(pattern, workspace)
      : [resolve(workspace, pattern)];
    if (matches.length === 0) {
      throw new InputError(Input.Images, `pattern ${JSON.stringify(pattern)} matches no file`);
    }
    for (const path of matches) if (!paths.includes(path)) paths.push(path);
  }
  if (paths.length > MAX_IMAGES) {
    throw new InputError(
      Input.Images,
      `matches ${paths.length} files; at most ${MAX_IMAGES} can be sent`,
    );
  }
  return Promise.all(paths.map((path) => checkImage(path, workspace)));
}

async function expand(pattern: string, workspace: string): Promise<string[]> {
  const { create } = await import('@actions/glob');
  const absolute = isAbsolute(pattern) ? pattern : resolve(workspace, pattern);
  const globber = await create(absolute, { matchDirectories: false, implicitDescendants: false });
  return (await globber.glob()).sort();
}

async function checkImage(path: string, workspace: string): Promise<CheckedImage> {
  const shown = JSON.stringify(relative(workspace, path) || path);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new InputError(Input.Images, `file ${shown} does not exist`);
  if (info.size === 0) throw new InputError(Input.Images, `file ${shown} is empty`);
  if (info.size > MAX_IMAGE_BYTES) {
    throw new InputError(
      Input.Images,
      `file ${shown} is ${(info.size / 1024 / 1024).toFixed(1)} MB; Feishu accepts images up to 10 MB`,
    );
  }
  const handle = await open(path, 'r');
  const head = Buffer.alloc(32);
  try {
    await handle.read(head, 0, 32, 0);
  } finally {
    await handle.close();
  }
  const format = sniffImageFormat(head);
  if (!format) {
    throw new InputError(
      Input.Images,
      `file ${shown} is not an image Feishu accepts (${FORMATS}, judged by its bytes)`,
    );
  }
  return {
    path,
    name: basename(path),
    size: info.size,
    format,
  };
}
