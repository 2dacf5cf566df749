/**
 * multipart/form-data around one file, never held in memory whole: streamed from the file,
 * read afresh for every attempt. Written out rather than the platform's FormData so that the
 * length is known up front: the upload carries a Content-Length (whether Feishu accepts a
 * chunked upload is not known).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { RequestStream } from './http.js';

export interface FilePart {
  field: string;
  filename: string;
  path: string;
  size: number;
}

export interface Multipart extends RequestStream {
  contentType: string;
}

export function multipart(fields: Record<string, string>, file: FilePart): Multipart {
  const boundary = `----feishu-notify-${randomBytes(12).toString('hex')}`;
  const safeName = file.filename.replace(/["\r\n\\]/g, '_');
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${safeName}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const headBytes = Buffer.from(head, 'utf8');
  const tailBytes = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: headBytes.length + file.size + tailBytes.length,
    open: () =>
      Readable.from(
        (async function* () {
          yield headBytes;
          yield* createReadStream(file.path, { highWaterMark: 16 * 1024 });
          yield tailBytes;
        })(),
        { objectMode: false },
      ),
  };
}
