/**
 * A throwaway authoritative DNS server for tests (npm dns2, UDP and TCP on the same 127.0.0.1 port), with
 * a zone given as plain data, plus a "silent" UDP port that swallows every query.
 *
 * Names not in the zone answer NXDOMAIN; names listed in `servfail` answer SERVFAIL; a name present with
 * no record of the asked type answers NOERROR with no answers (NODATA).
 *
 * @module
 */
import dns2 from "dns2";
import dgram from "node:dgram";

/** Records of one name, by type. Names are written without the trailing dot. */
export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  MX?: { exchange: string; priority: number }[];
  TXT?: string[];
  NS?: string[];
}

/** What {@linkcode startDnsServer} serves. */
export interface ZoneOptions {
  /** Name (no trailing dot, any case) → records. */
  zone: Record<string, ZoneRecords>;
  /** Names answered with SERVFAIL. */
  servfail?: string[];
  /** Names never answered (the query is dropped): a server that stalls on some names. */
  drop?: string[];
}

/** A running test DNS server. */
export interface TestDnsServer {
  /** The UDP (and TCP) port on 127.0.0.1. */
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Questions received so far, as `NAME TYPE`. */
  readonly queries: string[];
  /** Stops both listeners. */
  close(): Promise<void>;
}

// dns2's typings are incomplete: the parts used here, typed by hand.
interface Dns2Packet {
  header: { rcode: number };
  questions: { name: string; type: number }[];
  answers: Record<string, unknown>[];
}
interface Dns2Static {
  TYPE: Record<string, number>;
  CLASS: Record<string, number>;
  RCODE?: Record<string, number>;
  createResponseFromRequest(request: unknown): Dns2Packet;
}
interface Dns2Server {
  listen(options: Record<string, { port: number; address: string }>): Promise<unknown>;
  close(): Promise<void>;
  addresses(): { udp?: { port: number }; tcp?: { port: number } };
  on(event: "error", listener: (error: Error) => void): unknown;
}
const lib = dns2 as unknown as {
  Packet: Dns2Static;
  createServer(options: {
    udp?: boolean;
    tcp?: boolean;
    handle: (request: Dns2Packet, send: (response: Dns2Packet) => void) => void;
  }): Dns2Server;
};

const SERVFAIL = 2;
const NXDOMAIN = 3;

/**
 * Starts the server on a random free 127.0.0.1 port (UDP, and TCP on the same number).
 *
 * @example
 * ```ts ignore
 * const dns = await startDnsServer({ zone: { "host.example.com": { A: ["192.0.2.1"] } } });
 * await Deno.resolveDns("host.example.com", "A", { nameServer: { ipAddr: "127.0.0.1", port: dns.port } });
 * await dns.close();
 * ```
 */
export async function startDnsServer(options: ZoneOptions): Promise<TestDnsServer> {
  const { Packet } = lib;
  const zone = new Map(Object.entries(options.zone).map(([k, v]) => [k.toLowerCase(), v]));
  const servfail = new Set((options.servfail ?? []).map((n) => n.toLowerCase()));
  const drop = new Set((options.drop ?? []).map((n) => n.toLowerCase()));
  const typeName = new Map(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));
  const queries: string[] = [];

  const handle = (request: Dns2Packet, send: (response: Dns2Packet) => void) => {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    const name = question.name.replace(/\.$/, "").toLowerCase();
    const type = typeName.get(question.type) ?? String(question.type);
    queries.push(`${name} ${type}`);
    if (drop.has(name)) return;
    const records = zone.get(name);
    if (servfail.has(name)) response.header.rcode = SERVFAIL;
    else if (!records) response.header.rcode = NXDOMAIN;
    else {
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60, type: question.type };
      const add = (extra: Record<string, unknown>) => response.answers.push({ ...base, ...extra });
      if (type === "A") records.A?.forEach((address) => add({ address }));
      if (type === "AAAA") records.AAAA?.forEach((address) => add({ address }));
      if (type === "CNAME" && records.CNAME) add({ domain: records.CNAME });
      if (type === "MX") records.MX?.forEach((mx) => add({ ...mx }));
      if (type === "TXT") records.TXT?.forEach((data) => add({ data }));
      if (type === "NS") records.NS?.forEach((ns) => add({ ns }));
    }
    send(response);
  };

  // UDP and TCP on the same port number: retry until a port is free for both (parallel tests race for ports).
  let udpOnly: Dns2Server | undefined, tcp: Dns2Server | undefined, port = 0;
  for (let attempt = 0; attempt < 50 && !tcp; attempt++) {
    udpOnly = lib.createServer({ udp: true, handle });
    await udpOnly.listen({ udp: { port: 0, address: "127.0.0.1" } });
    port = udpOnly.addresses().udp!.port;
    const candidate = lib.createServer({ tcp: true, handle });
    // dns2 reports a taken port as an 'error' event (uncaught without a listener) and never resolves.
    const failed = new Promise<false>((resolve) => candidate.on("error", () => resolve(false)));
    const ok = await Promise.race([
      candidate.listen({ tcp: { port, address: "127.0.0.1" } }).then(() => true),
      failed,
    ]);
    if (ok) tcp = candidate;
    else await udpOnly.close();
  }
  if (!tcp || !udpOnly) throw new Error("dns test server: no port free for both UDP and TCP");
  const udp = udpOnly;
  return {
    port,
    address: `127.0.0.1:${port}`,
    queries,
    async close() {
      await Promise.all([udp.close(), tcp!.close()]);
    },
  };
}

/** A UDP socket on 127.0.0.1 that receives queries and never answers (an unreachable name server). */
export function startSilentUdp(): Promise<{ port: number; address: string; close(): Promise<void> }> {
  return startRawUdp(() => undefined);
}

/**
 * A UDP port on 127.0.0.1 that answers each datagram with whatever `answer` returns for it (nothing for
 * `undefined`): a server that answers garbage, a wrong id, a short packet.
 */
export async function startRawUdp(
  answer: (query: Uint8Array) => Uint8Array | undefined,
): Promise<{ port: number; address: string; close(): Promise<void> }> {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (msg: Uint8Array, from: { port: number; address: string }) => {
    const reply = answer(new Uint8Array(msg));
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = socket.address().port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
