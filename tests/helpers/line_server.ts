/**
 * A small real line-protocol server for tests (node:net on 127.0.0.1, a random port), enough to speak an
 * IMAP or POP3 greeting and its STARTTLS/STLS upgrade with node:tls: it sends `greeting` on connect,
 * answers each line with `answer(line)`, and upgrades the connection to TLS after an answer that asks
 * for it. Implicit TLS (ports 993/995) serves TLS from the first byte.
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";

/** What the server says to one line. */
export interface LineAnswer {
  /** Sent back (CRLF added). */
  reply: string;
  /** Start a TLS handshake (server side) right after the reply. */
  upgrade?: boolean;
}

/** Options of {@linkcode startLineServer}. */
export interface LineServerOptions {
  /** Sent on connect (CRLF added); `undefined`: the server says nothing (a silent peer). */
  greeting?: string;
  /** The answer to each line received; `undefined`: no answer. */
  answer?: (line: string) => LineAnswer | undefined;
  /** PEM certificate and key for TLS (the upgrade or implicit TLS). */
  tls?: { cert: string; key: string };
  /** Serve TLS from the first byte. */
  implicitTls?: boolean;
}

/** A running line server. */
export interface LineServer {
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Every line received, in order, over all connections. */
  readonly lines: string[];
  /** TLS handshakes completed (upgrades and implicit). */
  secured(): number;
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

/** Starts a line server on 127.0.0.1. */
export async function startLineServer(o: LineServerOptions): Promise<LineServer> {
  const lines: string[] = [];
  const sockets = new Set<net.Socket>();
  let secured = 0;
  const serve = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffer = "";
    const onData = (chunk: Uint8Array) => {
      buffer += new TextDecoder().decode(chunk);
      let i;
      while ((i = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, i).replace(/\r$/, "");
        buffer = buffer.slice(i + 1);
        lines.push(line);
        const a = o.answer?.(line);
        if (!a) continue;
        socket.write(a.reply + "\r\n");
        if (a.upgrade) {
          socket.off("data", onData);
          const secure = new tls.TLSSocket(socket, { isServer: true, cert: o.tls!.cert, key: o.tls!.key });
          secure.on("secure", () => secured++);
          serve(secure);
          return;
        }
      }
    };
    socket.on("data", onData);
  };
  const server = o.implicitTls
    ? tls.createServer({ cert: o.tls!.cert, key: o.tls!.key }, (s) => {
      secured++;
      if (o.greeting !== undefined) s.write(o.greeting + "\r\n");
      serve(s);
    })
    : net.createServer((s) => {
      if (o.greeting !== undefined) s.write(o.greeting + "\r\n");
      serve(s);
    });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    lines,
    secured: () => secured,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
