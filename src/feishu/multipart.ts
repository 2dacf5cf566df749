/**
 * multipart/form-data around one file, never held in memory whole: sent through one reused
 * buffer (or, for the proxy path, a file stream), read afresh for every attempt.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
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

const CHUNK_BYTES = 64 * 1024;

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
          yield* createReadStream(file.path);
          yield tailBytes;
        })(),
        { objectMode: false },
      ),
    async writeTo(write) {
      await write(headBytes);
      const handle = await open(file.path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        for (let position = 0; ; ) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          await write(buffer.subarray(0, bytesRead));
        }
      } finally {
        await handle.close();
      }
      await write(tailBytes);
    },
  };
}
