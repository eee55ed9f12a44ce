/**
 * A minimal DNS client (RFC 1035 wire format) for the dns checker: one question, recursion desired,
 * EDNS(0) with a 1232-byte payload, over UDP with a TCP retry when the answer is truncated. Unlike
 * `Deno.resolveDns`, it reports the response code, so NXDOMAIN, SERVFAIL, REFUSED and an empty answer
 * are told apart.
 *
 * Why not dns-packet (npm) for the wire format: measured against this decoder on one response holding
 * CNAME, A, AAAA, MX, TXT and NS records cut at every length, dns-packet 5.6.1 accepted 8 of the 266 cuts
 * (inside the TXT record) without an error, returning the partial text and a phantom record read past the
 * end, where a checker that compares TXT values must fail; this decoder rejects every cut. Its errors are
 * its own strings ("Cannot decode name (buffer overflow)"), which our messages would have to translate.
 * Loading it cost nothing measurable at start-up, so the choice rests on correctness alone.
 *
 * @module
 */
import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import net from "node:net";
import { domainToASCII } from "node:url";
import type { HostPort } from "./_net.ts";
import { errorText } from "./checker.ts";

/** The record types the dns checker queries, with their wire codes. */
export const RECORD_TYPES = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;

/** A record type name. */
export type RecordType = keyof typeof RECORD_TYPES;

const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];
const RCODE_MEANING: Record<string, string> = {
  FORMERR: "the server could not read the query",
  SERVFAIL: "the server failed to resolve the name",
  NXDOMAIN: "no such name",
  NOTIMP: "the server does not support this query",
  REFUSED: "the server refused to answer",
};

/** One answer record, its data as text: an address, a name (no trailing dot), `"10 mx.example"` or TXT. */
export interface DnsRecord {
  name: string;
  type: number;
  ttl: number;
  data: string;
}

/** A decoded response. */
export interface DnsResponse {
  id: number;
  /** The response code's name (`NOERROR`, `NXDOMAIN`, ...) or `RCODE<n>`. */
  rcode: string;
  truncated: boolean;
  answers: DnsRecord[];
}

/** Why a response code is a failure, for people ("NXDOMAIN (no such name)"). */
export function describeRcode(rcode: string): string {
  return RCODE_MEANING[rcode] ? `${rcode} (${RCODE_MEANING[rcode]})` : rcode;
}

/** Encodes a query for `name` (with or without the trailing dot). Throws on a name DNS cannot carry. */
export function encodeQuery(id: number, name: string, type: RecordType): Uint8Array {
  const ascii = domainToASCII(name.replace(/\.$/, "")) || name.replace(/\.$/, "");
  const labels = ascii === "" ? [] : ascii.split(".");
  const bytes: number[] = [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1];
  for (const label of labels) {
    const data = new TextEncoder().encode(label);
    if (data.length === 0 || data.length > 63) {
      throw new RangeError("each label must be 1 to 63 bytes");
    }
    bytes.push(data.length, ...data);
  }
  bytes.push(0);
  if (bytes.length - 12 > 255) {
    throw new RangeError("longer than 255 bytes");
  }
  const code = RECORD_TYPES[type];
  bytes.push(code >> 8, code & 0xff, 0, 1);
  // EDNS(0) OPT pseudo-record: root name, type 41, UDP payload 1232, no flags.
  bytes.push(0, 0, 41, 1232 >> 8, 1232 & 0xff, 0, 0, 0, 0, 0, 0);
  return new Uint8Array(bytes);
}

class Reader {
  pos = 12;
  constructor(readonly buf: Uint8Array) {}
  u8(): number {
    if (this.pos >= this.buf.length) throw new RangeError("truncated DNS message");
    return this.buf[this.pos++];
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u32(): number {
    return this.u16() * 65536 + this.u16();
  }
  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let jumped = false;
    for (let hops = 0; hops < 128; hops++) {
      if (pos >= this.buf.length) throw new RangeError("truncated DNS name");
      const len = this.buf[pos];
      if (len === 0) {
        if (!jumped) this.pos = pos + 1;
        return labels.join(".");
      }
      if ((len & 0xc0) === 0xc0) {
        if (!jumped) this.pos = pos + 2;
        pos = ((len & 0x3f) << 8) | this.buf[pos + 1];
        jumped = true;
        continue;
      }
      labels.push(new TextDecoder().decode(this.buf.subarray(pos + 1, pos + 1 + len)));
      pos += len + 1;
    }
    throw new RangeError("DNS name compression loop");
  }
}

function ipv6(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16));
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

/** Decodes a response; throws a RangeError on a malformed message. */
export function decodeResponse(buf: Uint8Array): DnsResponse {
  if (buf.length < 12) throw new RangeError("truncated DNS message");
  const r = new Reader(buf);
  const id = (buf[0] << 8) | buf[1];
  const flags = (buf[2] << 8) | buf[3];
  if ((flags & 0x8000) === 0) throw new RangeError("not a DNS response (QR bit clear)");
  const qd = (buf[4] << 8) | buf[5], an = (buf[6] << 8) | buf[7];
  for (let i = 0; i < qd; i++) {
    r.name();
    r.pos += 4;
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < an; i++) {
    const name = r.name();
    const type = r.u16();
    r.u16(); // class
    const ttl = r.u32();
    const len = r.u16();
    const end = r.pos + len;
    if (end > buf.length) throw new RangeError("truncated DNS record");
    const rdata = buf.subarray(r.pos, end);
    let data: string;
    if (type === RECORD_TYPES.A && len === 4) data = rdata.join(".");
    else if (type === RECORD_TYPES.AAAA && len === 16) data = ipv6(rdata);
    else if (type === RECORD_TYPES.CNAME || type === RECORD_TYPES.NS) data = r.name();
    else if (type === RECORD_TYPES.MX) data = `${r.u16()} ${r.name()}`;
    else if (type === RECORD_TYPES.TXT) {
      const parts: string[] = [];
      for (let p = 0; p < len;) {
        const n = rdata[p];
        parts.push(new TextDecoder().decode(rdata.subarray(p + 1, p + 1 + n)));
        p += n + 1;
      }
      data = parts.join("");
    } else data = Array.from(rdata, (b) => b.toString(16).padStart(2, "0")).join("");
    r.pos = end;
    answers.push({ name, type, ttl, data });
  }
  const rcode = flags & 0x0f;
  return { id, rcode: RCODES[rcode] ?? `RCODE${rcode}`, truncated: (flags & 0x0200) !== 0, answers };
}

/** Options of {@linkcode queryDns}. */
export interface QueryOptions {
  signal: AbortSignal;
  /** Turns an abort into the error text for a phase ("query", "TCP query"). */
  onAbort: (phase: string) => string;
}

function abortable<T>(
  signal: AbortSignal,
  onAbort: () => string,
  run: (settle: {
    resolve: (v: T) => void;
    reject: (e: Error) => void;
    cleanup: (fn: () => void) => void;
  }) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = () => {
      done = true;
      signal.removeEventListener("abort", abort);
      for (const fn of cleanups) fn();
    };
    const abort = () => {
      if (done) return;
      finish();
      reject(new Error(onAbort()));
    };
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    run({
      resolve: (v) => !done && (finish(), resolve(v)),
      reject: (e) => !done && (finish(), reject(e)),
      cleanup: (fn) => cleanups.push(fn),
    });
  });
}

/** Decodes an answer; bytes that are not a DNS response are an error that says so (not a timeout). */
function decodeAnswer(bytes: Uint8Array, phase: string): DnsResponse {
  try {
    return decodeResponse(bytes);
  } catch (e) {
    const size = bytes.length === 1 ? "1 byte" : `${bytes.length} bytes`;
    throw new Error(`${phase}: malformed answer from the server (${size}): ${errorText(e)}`);
  }
}

function udpQuery(
  server: { address: string; family: number; port: number },
  query: Uint8Array,
  o: QueryOptions,
) {
  return abortable<DnsResponse>(o.signal, () => o.onAbort("query"), ({ resolve, reject, cleanup }) => {
    const socket = dgram.createSocket(server.family === 6 ? "udp6" : "udp4");
    cleanup(() => socket.close());
    socket.on("error", (e) => reject(new Error(`query: ${errorText(e)}`)));
    const id = (query[0] << 8) | query[1];
    socket.on("message", (msg: Uint8Array) => {
      // The socket is connected: only the server reaches it. Bytes that are no DNS response fail the
      // query at once; a well-formed answer to another id is a late reply to an earlier query, ignored
      // (as Go's miekg/dns does).
      try {
        const response = decodeAnswer(new Uint8Array(msg), "query");
        if (response.id === id) resolve(response);
      } catch (e) {
        reject(e as Error);
      }
    });
    socket.connect(server.port, server.address, () => socket.send(query));
  });
}

function tcpQuery(server: { address: string; port: number }, query: Uint8Array, o: QueryOptions) {
  return abortable<Uint8Array>(o.signal, () => o.onAbort("TCP query"), ({ resolve, reject, cleanup }) => {
    const socket = net.connect({ host: server.address, port: server.port });
    cleanup(() => socket.destroy());
    let buf = new Uint8Array(0);
    socket.on("error", (e) => reject(new Error(`TCP query: ${errorText(e)}`)));
    socket.on("end", () => reject(new Error("TCP query: the server closed the connection")));
    socket.on("data", (chunk: Uint8Array) => {
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      if (buf.length >= 2 && buf.length >= 2 + ((buf[0] << 8) | buf[1])) {
        resolve(buf.slice(2, 2 + ((buf[0] << 8) | buf[1])));
      }
    });
    socket.on("connect", () => {
      const framed = new Uint8Array(query.length + 2);
      framed.set([query.length >> 8, query.length & 0xff]);
      framed.set(query, 2);
      socket.write(framed);
    });
  });
}

/**
 * Sends one query to `server` over UDP (TCP when the UDP answer is truncated) and decodes the
 * answer. Rejects with the error text on a timeout, a network error or a malformed answer (named as
 * such: bytes that are no DNS response are not a timeout).
 */
export async function queryDns(
  server: HostPort,
  name: string,
  type: RecordType,
  o: QueryOptions,
): Promise<DnsResponse> {
  const id = crypto.getRandomValues(new Uint16Array(1))[0];
  const query = encodeQuery(id, name, type);
  let family = net.isIP(server.host);
  let address = server.host;
  if (!family) {
    const found = await abortable<{ address: string; family: number }>(
      o.signal,
      () => o.onAbort(`looking up ${server.host}`),
      ({ resolve, reject }) => {
        lookup(server.host).then(
          resolve,
          (e) => reject(new Error(`looking up ${server.host}: ${errorText(e)}`)),
        );
      },
    );
    [address, family] = [found.address, found.family];
  }
  const target = { address, family, port: server.port };
  let response = await udpQuery(target, query, o);
  if (response.truncated) response = decodeAnswer(await tcpQuery(target, query, o), "TCP query");
  if (response.id !== id) throw new Error("the answer does not match the query (wrong id)");
  return response;
}
