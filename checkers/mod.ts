/**
 * Checkers: the registry list of every checker type, and the checker classes.
 *
 * @example
 * ```ts
 * import { HttpChecker } from "./mod.ts";
 * import { parseChecker } from "../config/load.ts";
 * const checker = parseChecker({ type: "http", endpoint_name: "Example", endpoint_url: "http://127.0.0.1:9/" });
 * console.assert(checker instanceof HttpChecker);
 * ```
 *
 * @module
 */
import type { AnyDefinition } from "../config/plugin.ts";
import { checkerRegistry } from "./registry.ts";
import type { Checker } from "./checker.ts";
import { dnsChecker, type DnsCheckerConfig } from "./dns.ts";
import { execChecker, type ExecCheckerConfig } from "./exec.ts";
import { heartbeatChecker, type HeartbeatCheckerConfig } from "./heartbeat/mod.ts";
import { httpChecker, type HttpCheckerConfig } from "./http.ts";
import { tcpChecker, type TcpCheckerConfig } from "./tcp.ts";
import { tlsChecker, type TlsCheckerConfig } from "./tls.ts";
import { smtpChecker, type SmtpCheckerConfig } from "./smtp.ts";
import { imapChecker, type ImapCheckerConfig } from "./imap.ts";
import { pop3Checker, type Pop3CheckerConfig } from "./pop3.ts";
import { domainChecker, type DomainCheckerConfig } from "./domain.ts";
import { grpcChecker, type GrpcCheckerConfig } from "./grpc.ts";
import { udpChecker, type UdpCheckerConfig } from "./udp.ts";
import { websocketChecker, type WebSocketCheckerConfig } from "./websocket.ts";

export type { Checker, CheckerContext } from "./checker.ts";
// The classes' base and the types their public members name.
export { AttemptChecker, type AttemptOptions, type AttemptOutcome } from "./checker.ts";
export type { StatusRange } from "./http_expect.ts";
export type { LeafInfo } from "./cert.ts";
export type { ClientCertConfig } from "./client_cert.ts";
export type { OAuth2Config, OAuth2Options } from "./oauth2.ts";
export { DnsChecker, type DnsCheckerConfig, type DnsCheckerOptions } from "./dns.ts";
export { ExecChecker, type ExecCheckerConfig, type ExecCheckerOptions } from "./exec.ts";
export {
  HeartbeatChecker,
  type HeartbeatCheckerConfig,
  type HeartbeatCheckerOptions,
  isHeartbeat,
  type Ping,
  type PingKind,
} from "./heartbeat/mod.ts";
export { HttpChecker, type HttpCheckerConfig, type HttpCheckerOptions } from "./http.ts";
export { TcpChecker, type TcpCheckerConfig, type TcpCheckerOptions } from "./tcp.ts";
export { TlsChecker, type TlsCheckerConfig, type TlsCheckerOptions } from "./tls.ts";
export { SmtpChecker, type SmtpCheckerConfig, type SmtpCheckerOptions } from "./smtp.ts";
export { ImapChecker, type ImapCheckerConfig, type ImapCheckerOptions } from "./imap.ts";
export { Pop3Checker, type Pop3CheckerConfig, type Pop3CheckerOptions } from "./pop3.ts";
export {
  LineReader,
  MailChecker,
  type MailCheckerConfigBase,
  type MailCheckerOptionsBase,
  type MailDialect,
} from "./mail.ts";
export { DomainChecker, type DomainCheckerConfig, type DomainCheckerOptions } from "./domain.ts";
export { GrpcChecker, type GrpcCheckerConfig, type GrpcCheckerOptions } from "./grpc.ts";
export { UdpChecker, type UdpCheckerConfig, type UdpCheckerOptions } from "./udp.ts";
export { WebSocketChecker, type WebSocketCheckerConfig, type WebSocketCheckerOptions } from "./websocket.ts";

/** The checker registry: one entry per type. Adding a type = one file, one test file, one entry here and one in registry.ts. */
export const checkerDefinitions: readonly AnyDefinition<Checker>[] = [
  httpChecker,
  tcpChecker,
  tlsChecker,
  dnsChecker,
  execChecker,
  heartbeatChecker,
  websocketChecker,
  udpChecker,
  smtpChecker,
  imapChecker,
  pop3Checker,
  domainChecker,
  grpcChecker,
];
// Every module is imported above: resolution by name needs no import.
checkerRegistry.provide(checkerDefinitions);

/** Any checker object as written in `checkup.json`. */
export type CheckerConfig =
  | HttpCheckerConfig
  | TcpCheckerConfig
  | TlsCheckerConfig
  | DnsCheckerConfig
  | ExecCheckerConfig
  | HeartbeatCheckerConfig
  | WebSocketCheckerConfig
  | UdpCheckerConfig
  | SmtpCheckerConfig
  | ImapCheckerConfig
  | Pop3CheckerConfig
  | DomainCheckerConfig
  | GrpcCheckerConfig;
