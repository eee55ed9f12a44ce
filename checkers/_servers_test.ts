/**
 * Small real servers for the checker tests (127.0.0.1, random ports): a TCP or TLS listener driven by a
 * per-connection handler that tracks and closes every connection, and a closed port. Named `_test.ts` so
 * it is never published; it holds no tests of its own.
 *
 * @module
 */

/** A running listener. */
export interface TestListener {
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Closes the listener and every open connection, and waits for the handlers. */
  close(): Promise<void>;
}

/** Handles one accepted connection; the listener closes it afterwards. */
export type ConnHandler = (conn: Deno.Conn, signal: AbortSignal) => Promise<void> | void;

/** Options of {@linkcode startListener}. */
export interface ListenerOptions {
  /** Serve TLS with this PEM certificate and key. */
  tls?: { cert: string; key: string };
}

/** Starts a TCP (or TLS) listener on 127.0.0.1 that runs `handler` for each connection. */
export function startListener(handler: ConnHandler, options: ListenerOptions = {}): TestListener {
  const listener = options.tls
    ? Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...options.tls })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ac = new AbortController();
  const conns = new Set<Deno.Conn>();
  const tasks: Promise<void>[] = [];
  let accepted = 0;
  const loop = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      accepted++;
      conns.add(conn);
      tasks.push((async () => {
        try {
          await handler(conn, ac.signal);
        } catch {
          // the client went away mid-conversation: fine for these tests
        } finally {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* already closed */ }
        }
      })());
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    accepted: () => accepted,
    async close() {
      ac.abort();
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await loop;
      await Promise.all(tasks);
    },
  };
}

/** Waits until `signal` aborts (a peer that never says anything). */
export function silence(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Reads from `conn` until the text received contains `marker` (or the peer closes). */
export async function readUntil(conn: Deno.Conn, marker: string): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  while (!text.includes(marker)) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text;
}

/** A 127.0.0.1 port nothing listens on (bound, then released). */
export function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Writes all of `text` to `conn`. */
export async function writeText(conn: Deno.Conn, text: string): Promise<void> {
  const data = new TextEncoder().encode(text);
  for (let n = 0; n < data.length;) n += await conn.write(data.subarray(n));
}
