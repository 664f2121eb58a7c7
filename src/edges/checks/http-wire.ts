/**
 * The HTTP/1.x wire for the HTTP_GET / SSL_GET probe: the request bytes and an incremental response reader
 * that parses only what the probe needs (status line; Content-Length and Transfer-Encoding; the body framing),
 * byte-exact across any split of the response into TCP segments or TLS records.
 *
 * The reader never keeps the caller's buffers: a buffer passed to feed() may be reused as soon as feed()
 * returns (the probe reads plain HTTP into one shared buffer). Body bytes go to the sink, which must copy
 * what it keeps.
 */

/** Node's default max header size: a bigger head fails like node:http did (HPE_HEADER_OVERFLOW). */
export const MAX_HEAD_BYTES = 16 * 1024;

/** Characters node:http refuses in a request path (ERR_UNESCAPED_CHARACTERS). */
const INVALID_PATH = /[^\u0021-\u00ff]/;
/** Characters node:http refuses in a header value (ERR_INVALID_CHAR). */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** keepalived's `http_protocol`: 1.0 (its default), 1.0C (1.0 with Connection: close), 1.1 (with it). */
export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/**
 * The request keepalived sends, line for line (its request template), as latin1 bytes, or the 'error: ...' reason
 * node:http gave for a path or Host it refused.
 */
export function requestBytes(
  path: string,
  host: string,
  userAgent: string,
  protocol: HttpProtocol = '1.1',
): Buffer | string {
  const p = path === '' ? '/' : path;
  if (INVALID_PATH.test(p)) return 'error: ERR_UNESCAPED_CHARACTERS';
  if (INVALID_HEADER_VALUE.test(host)) return 'error: ERR_INVALID_CHAR';
  const version = protocol === '1.1' ? '1.1' : '1.0';
  const close = protocol === '1.0' ? '' : 'Connection: close\r\n';
  return Buffer.from(`GET ${p} HTTP/${version}\r\nUser-Agent: ${userAgent}\r\n${close}Host: ${host}\r\n\r\n`, 'latin1');
}

/** Receives body bytes buf[start, end); the buffer is the caller's and may be reused afterwards. */
export type BodySink = (buf: Buffer, start: number, end: number) => void;

// Reader states. Everything up to S_HEADERS is line-based head parsing.
const S_STATUS = 0;
const S_HEADERS = 1;
const S_LENGTH = 2; // Content-Length body: `remaining` bytes to go
const S_EOF = 3; // body delimited by the connection close
const S_CHUNK_SIZE = 4; // hex digits of a chunk size
const S_CHUNK_EXT = 5; // after the size: extensions / whitespace / CR up to LF (`lineLen` bytes so far)
const S_CHUNK_DATA = 6; // `remaining` bytes of chunk data
const S_CHUNK_DATA_CR = 7; // CR after the chunk data
const S_CHUNK_DATA_LF = 8; // LF after the chunk data
const S_TRAILER = 9; // trailer lines after the last chunk, up to an empty line (`headBytes` in all)
const S_DONE = 10;

const CR = 13;
const LF = 10;

/** 'content-length' and 'transfer-encoding' as lowercase ASCII codes. */
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');

function nameIs(buf: Buffer, start: number, end: number, lower: Buffer): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buf[start + i]! | 0x20) !== lower[i]) return false;
  return true;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Incremental reader of one HTTP/1.x response. feed() and eof() return '' while more is needed, 'done' once
 * the response is complete (the body passed to the sink), or a failure reason: `status <n>` as soon as the
 * status line shows an unaccepted final status (the rest is not read), 'body too large', 'incomplete
 * response', 'reset' (closed before the head was complete, node:http's "socket hang up"), or
 * 'bad response: HPE_<...>' for a malformed response. Interim 1xx responses (but 101) are skipped.
 */
export class ResponseReader {
  status = 0;
  private state = S_STATUS;
  private partial: Buffer | undefined;
  private headBytes = 0;
  private contentLength = -1;
  private chunked = false;
  private remaining = 0;
  private size = 0;
  private digits = 0;
  private lineLen = 0;

  constructor(
    private readonly statusOk: (status: number) => boolean,
    private readonly maxBodyBytes: number,
    private readonly sink: BodySink | undefined,
  ) {}

  /** Consumes buf[start, end). */
  feed(buf: Buffer, start: number, end: number): string {
    let pos = start;
    if (this.state <= S_HEADERS) {
      if (this.partial !== undefined) {
        buf = Buffer.concat([this.partial, buf.subarray(start, end)]);
        this.partial = undefined;
        pos = 0;
        end = buf.length;
      }
      while (this.state <= S_HEADERS) {
        let nl = buf.indexOf(LF, pos);
        if (nl >= end) nl = -1;
        if (nl < 0) {
          if (this.headBytes + (end - pos) > MAX_HEAD_BYTES) return 'bad response: HPE_HEADER_OVERFLOW';
          if (end > pos) this.partial = Buffer.from(buf.subarray(pos, end)); // a copy: buf may be reused
          return '';
        }
        this.headBytes += nl + 1 - pos;
        if (this.headBytes > MAX_HEAD_BYTES) return 'bad response: HPE_HEADER_OVERFLOW';
        const le = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
        const r = this.state === S_STATUS ? this.statusLine(buf, pos, le) : this.headerLine(buf, pos, le);
        pos = nl + 1;
        if (r !== '') return r;
      }
    }
    return pos < end ? this.body(buf, pos, end) : '';
  }

  /** The peer closed its side. */
  eof(): string {
    if (this.state === S_EOF || this.state === S_DONE) {
      this.state = S_DONE;
      return 'done';
    }
    return this.state <= S_HEADERS ? 'reset' : 'incomplete response';
  }

  private statusLine(buf: Buffer, s: number, e: number): string {
    // HTTP/1.x SSS[ reason]
    if (
      e - s < 12 ||
      buf[s] !== 72 || // H
      buf[s + 1] !== 84 || // T
      buf[s + 2] !== 84 || // T
      buf[s + 3] !== 80 || // P
      buf[s + 4] !== 47 || // /
      !isDigit(buf[s + 5]) ||
      buf[s + 6] !== 46 || // .
      !isDigit(buf[s + 7]) ||
      buf[s + 8] !== 32
    )
      return 'bad response: HPE_INVALID_CONSTANT';
    if (!isDigit(buf[s + 9]) || !isDigit(buf[s + 10]) || !isDigit(buf[s + 11]) || (e - s > 12 && buf[s + 12] !== 32))
      return 'bad response: HPE_INVALID_STATUS';
    const status = (buf[s + 9]! - 48) * 100 + (buf[s + 10]! - 48) * 10 + (buf[s + 11]! - 48);
    this.status = status;
    this.state = S_HEADERS;
    if (status >= 100 && status <= 199 && status !== 101) return ''; // interim: headers, then the real status
    return this.statusOk(status) ? '' : `status ${status}`;
  }

  private headerLine(buf: Buffer, s: number, e: number): string {
    if (e === s) return this.headEnd();
    const colon = buf.indexOf(58, s); // ':'
    if (colon < 0 || colon >= e) return buf[s] === 32 || buf[s] === 9 ? '' : 'bad response: HPE_INVALID_HEADER_TOKEN';
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && (buf[vs] === 32 || buf[vs] === 9)) vs++;
    while (ve > vs && (buf[ve - 1] === 32 || buf[ve - 1] === 9)) ve--;
    if (nameIs(buf, s, colon, CONTENT_LENGTH)) {
      if (vs === ve) return 'bad response: HPE_INVALID_CONTENT_LENGTH';
      let n = 0;
      for (let i = vs; i < ve; i++) {
        const c = buf[i]!;
        if (c < 48 || c > 57 || n > Number.MAX_SAFE_INTEGER / 10) return 'bad response: HPE_INVALID_CONTENT_LENGTH';
        n = n * 10 + (c - 48);
      }
      if (this.contentLength >= 0 && this.contentLength !== n) return 'bad response: HPE_UNEXPECTED_CONTENT_LENGTH';
      this.contentLength = n;
    } else if (nameIs(buf, s, colon, TRANSFER_ENCODING)) {
      // chunked when it is the final coding (RFC 9112 §6.1); any other coding: the body runs to the close
      const v = buf.toString('latin1', vs, ve).toLowerCase();
      const last = v.slice(v.lastIndexOf(',') + 1).trim();
      this.chunked = last === 'chunked';
      if (!this.chunked) this.contentLength = -2; // -2: Transfer-Encoding without chunked, read to the close
    }
    return '';
  }

  private headEnd(): string {
    const status = this.status;
    if (status >= 100 && status <= 199 && status !== 101) {
      // interim response: start over with the next status line
      this.state = S_STATUS;
      this.contentLength = -1;
      this.chunked = false;
      return '';
    }
    if (status === 204 || status === 304) return this.done();
    if (this.chunked) {
      this.state = S_CHUNK_SIZE;
      this.digits = 0;
      this.remaining = 0;
      return '';
    }
    if (this.contentLength >= 0) {
      if (this.contentLength > this.maxBodyBytes) return 'body too large';
      if (this.contentLength === 0) return this.done();
      this.state = S_LENGTH;
      this.remaining = this.contentLength;
      return '';
    }
    this.state = S_EOF;
    return '';
  }

  private done(): string {
    this.state = S_DONE;
    return 'done';
  }

  private take(buf: Buffer, start: number, end: number): string {
    this.size += end - start;
    if (this.size > this.maxBodyBytes) return 'body too large';
    this.sink?.(buf, start, end);
    return '';
  }

  private body(buf: Buffer, pos: number, end: number): string {
    switch (this.state) {
      case S_LENGTH: {
        const n = Math.min(this.remaining, end - pos);
        const r = this.take(buf, pos, pos + n);
        if (r !== '') return r;
        this.remaining -= n;
        return this.remaining === 0 ? this.done() : '';
      }
      case S_EOF:
        return this.take(buf, pos, end);
      case S_DONE:
        return 'done';
    }
    return this.chunks(buf, pos, end);
  }

  private chunks(buf: Buffer, pos: number, end: number): string {
    while (pos < end) {
      switch (this.state) {
        case S_CHUNK_SIZE: {
          const c = buf[pos]!;
          const h = hexValue(c);
          if (h >= 0) {
            if (this.digits === 0) this.lineLen = 0;
            this.remaining = this.remaining * 16 + h;
            this.digits++;
            if (this.size + this.remaining > this.maxBodyBytes) return 'body too large';
            pos++;
            break;
          }
          if (this.digits === 0) return 'bad response: HPE_INVALID_CHUNK_SIZE';
          this.state = S_CHUNK_EXT;
          break;
        }
        case S_CHUNK_EXT: {
          let nl = buf.indexOf(LF, pos);
          if (nl >= end) nl = -1;
          this.lineLen += (nl < 0 ? end : nl + 1) - pos;
          if (this.lineLen > MAX_HEAD_BYTES) return 'bad response: HPE_HEADER_OVERFLOW';
          if (nl < 0) return '';
          pos = nl + 1;
          if (this.remaining === 0) {
            this.state = S_TRAILER;
            this.lineLen = 0;
            this.headBytes = 0;
          } else {
            this.state = S_CHUNK_DATA;
          }
          break;
        }
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, end - pos);
          const r = this.take(buf, pos, pos + n);
          if (r !== '') return r;
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S_CHUNK_DATA_CR;
          break;
        }
        case S_CHUNK_DATA_CR:
        case S_CHUNK_DATA_LF: {
          const c = buf[pos++];
          if (c === CR && this.state === S_CHUNK_DATA_CR) this.state = S_CHUNK_DATA_LF;
          else if (c === LF) {
            this.state = S_CHUNK_SIZE;
            this.digits = 0;
            this.remaining = 0;
          } else return 'bad response: HPE_STRICT';
          break;
        }
        case S_TRAILER: {
          const c = buf[pos++]!;
          if (++this.headBytes > MAX_HEAD_BYTES) return 'bad response: HPE_HEADER_OVERFLOW';
          if (c === LF) {
            if (this.lineLen === 0) return this.done();
            this.lineLen = 0;
          } else if (c !== CR) this.lineLen++;
          break;
        }
        default:
          return 'done';
      }
    }
    return '';
  }
}
