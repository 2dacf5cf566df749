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

/**
 * Expands and checks every pattern; throws InputError naming the pattern or file at fault.
 * Patterns follow @actions/glob's rules (`*`, `**`, `?`, `[…]`, and `!pattern` lines that
 * exclude), plus `{a,b}` alternatives; a name that exists as written (`shot[1].png`) is that file.
 */
export async function findImages(patterns: string[], workspace: string): Promise<CheckedImage[]> {
  const exclusions = patterns.filter((p) => p.startsWith('!'));
  const paths: string[] = [];
  for (const pattern of patterns.filter((p) => !p.startsWith('!'))) {
    const literal = resolve(workspace, pattern);
    const matches =
      GLOB_CHARS.test(pattern) && !(await exists(literal))
        ? await expand(pattern, exclusions, workspace)
        : [literal];
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

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

async function expand(pattern: string, exclusions: string[], workspace: string): Promise<string[]> {
  const { create } = await import('@actions/glob');
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(workspace, p));
  const lines = [
    ...expandBraces(pattern).map(absolute),
    ...exclusions.flatMap((e) => expandBraces(e.slice(1)).map((p) => `!${absolute(p)}`)),
  ];
  const globber = await create(lines.join('\n'), {
    matchDirectories: false,
    implicitDescendants: false,
  });
  return [...new Set(await globber.glob())].sort();
}

/** `a.{png,jpg}` -> `a.png`, `a.jpg` (@actions/glob has no braces); nested ones too. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      if (commas.length === 0) break;
      const head = pattern.slice(0, open);
      const tail = pattern.slice(i + 1);
      const bounds = [open, ...commas, i];
      return bounds.slice(1).flatMap((end, k) => {
        const option = pattern.slice((bounds[k] as number) + 1, end);
        return expandBraces(`${head}${option}${tail}`);
      });
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

async function checkImage(path: string, workspace: string): Promise<CheckedImage> {
  const shown = JSON.stringify(relative(workspace, path) || path);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    throw new InputError(
      Input.Images,
      `${shown} is a directory: name the image files in it, e.g. ${JSON.stringify(`${relative(workspace, path) || path}/*.png`)}`,
    );
  }
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
