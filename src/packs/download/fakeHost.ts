/**
 * A fake HTTP host for download tests: serves a pack directory's files with Range support; can cut
 * the connection after N bytes of a file, ignore Range, flip one byte of a file; records requests.
 */
export interface FakeHostOptions {
  /** Break the body of `file` after `bytes` bytes (from the file's start), once. */
  cutAfter?: { file: string; bytes: number };
  ignoreRange?: boolean;
  flip?: { file: string; at: number };
  /** Refuse every request (server down). */
  down?: boolean;
}

export function fakeHost(base: string, files: Map<string, Uint8Array>, options: FakeHostOptions = {}) {
  const requests: { path: string; range: string | null }[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const path = url.href.slice(base.length);
    const range = new Headers(init?.headers).get('Range');
    requests.push({ path, range });
    if (options.down) throw new TypeError('Failed to fetch');
    let body = files.get(path);
    if (!body) return new Response('not found', { status: 404 });
    if (options.flip?.file === path) {
      body = body.slice();
      body[options.flip.at] ^= 0xff;
    }
    const m = !options.ignoreRange && range ? /^bytes=(\d+)-$/.exec(range) : null;
    const start = m ? Number(m[1]) : 0;
    let end = body.byteLength;
    const cut = options.cutAfter?.file === path ? options.cutAfter.bytes : null;
    if (cut !== null) {
      end = Math.max(start, cut);
      options.cutAfter = undefined;
    }
    const part = body.subarray(start, end);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      // one chunk per pull, so the bytes before a cut reach the reader before the error
      pull(c) {
        if (sent < part.byteLength) {
          c.enqueue(part.slice(sent, sent + (1 << 20)));
          sent += 1 << 20;
        } else if (cut !== null) c.error(new TypeError('network error'));
        else c.close();
      },
    });
    const headers: Record<string, string> = { 'Content-Length': String(body.byteLength - start) };
    if (m) headers['Content-Range'] = `bytes ${start}-${body.byteLength - 1}/${body.byteLength}`;
    return new Response(stream, { status: m ? 206 : 200, headers });
  }) as typeof fetch;
  return { fetchFn, requests, options };
}
