/** multipart/form-data built as a stream of parts, so an image is never copied into one buffer. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export interface FilePart {
  field: string;
  filename: string;
  size: number;
  open(): Readable;
}

export interface Multipart {
  contentType: string;
  length: number;
  /** A fresh stream of the whole body (called again for a retry). */
  open(): Readable;
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
          yield* file.open();
          yield tailBytes;
        })(),
        { objectMode: false },
      ),
  };
}
