/**
 * A real SMTP server for tests (npm:smtp-server in-process on 127.0.0.1, a random port): STARTTLS or
 * implicit TLS with the module's built-in certificate, optional AUTH (only after TLS), transient
 * failures on demand, and every accepted message decoded (subject and body text) for assertions.
 */
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** One message the sink accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message as received. */
  raw: string;
  /** The decoded Subject header. */
  subject: string;
  /** Every text part, transfer-decoded, joined. */
  text: string;
  /** Whether the session was encrypted (STARTTLS or implicit TLS). */
  secure: boolean;
  /** The user that authenticated, if any. */
  user?: string;
}

/** Options of {@linkcode startSmtpSink}. */
export interface SmtpSinkOptions {
  /** Implicit TLS from the first byte (like port 465). */
  secure?: boolean;
  /** Require AUTH with these credentials (offered only over TLS). */
  auth?: { username: string; password: string };
  /** Answer the first N messages with a transient `451` failure. */
  failFirst?: number;
  /** Hide STARTTLS (a server without TLS). */
  noStartTls?: boolean;
  /** Serve TLS with this PEM certificate and key instead of the module's built-in one. */
  tls?: { cert: string; key: string };
}

/** A running SMTP sink. */
export interface SmtpSink {
  port: number;
  messages: ReceivedMail[];
  /** Connections seen (including failed ones). */
  connections: number;
  /** Server-side errors (e.g. the client refused the certificate). */
  errors: string[];
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, "");
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(soft[i]));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function decodeHeader(value: string): string {
  return value.replace(/\s+/g, " ").replace(
    /=\?utf-8\?([QB])\?([^?]*)\?=\s?/gi,
    (_m, enc: string, data: string) =>
      enc.toUpperCase() === "B"
        ? new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)))
        : decodeQuotedPrintable(data.replace(/_/g, " ")),
  );
}

/** Splits a MIME message into its decoded text parts (recursively through multipart bodies). */
export function mimeText(raw: string): { subject: string; text: string } {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const subject = decodeHeader(headers.get("subject") ?? "");
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary) {
    const parts = body.split(`--${boundary}`).slice(1, -1);
    return { subject, text: parts.map((p) => mimeText(p.replace(/^\r?\n/, "")).text).join("\n") };
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  const text = encoding === "quoted-printable"
    ? decodeQuotedPrintable(body)
    : encoding === "base64"
    ? new TextDecoder().decode(Uint8Array.from(atob(body.replace(/\s+/g, "")), (c) => c.charCodeAt(0)))
    : body;
  return { subject, text };
}

/** Starts an SMTP sink on 127.0.0.1 with a random port. */
export async function startSmtpSink(o: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink: SmtpSink = {
    port: 0,
    messages: [],
    connections: 0,
    errors: [],
    close: () => Promise.resolve(),
  };
  let failures = o.failFirst ?? 0;
  const options: SMTPServerOptions = {
    secure: o.secure ?? false,
    logger: false,
    hideSTARTTLS: o.noStartTls ?? false,
    authOptional: !o.auth,
    disabledCommands: [...(o.auth ? [] : ["AUTH"]), ...(o.noStartTls ? ["STARTTLS"] : [])],
    ...(o.tls ? { cert: o.tls.cert, key: o.tls.key } : {}),
    onConnect(_session, cb) {
      sink.connections++;
      cb();
    },
    onAuth(auth, _session, cb) {
      if (auth.username === o.auth?.username && auth.password === o.auth?.password) {
        return cb(null, { user: auth.username });
      }
      cb(Object.assign(new Error("Authentication failed"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (c: Uint8Array) => chunks.push(c));
      stream.on("end", () => {
        if (failures > 0) {
          failures--;
          return cb(Object.assign(new Error("Try again later"), { responseCode: 451 }));
        }
        const raw = new TextDecoder().decode(
          chunks.reduce((a, b) => {
            const out = new Uint8Array(a.length + b.length);
            out.set(a);
            out.set(b, a.length);
            return out;
          }, new Uint8Array()),
        );
        const { subject, text } = mimeText(raw);
        sink.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject,
          text,
          secure: session.secure,
          user: session.user ? String(session.user) : undefined,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  // Client-side failures (a refused certificate, a dropped connection) surface here: record, never throw.
  server.on("error", (e: Error) => sink.errors.push(e.message));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  sink.port = (server.server.address() as { port: number }).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
