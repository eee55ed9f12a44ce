/**
 * The checker types by name, each module imported only when a config names its type (see
 * `_internal/registry.ts`). The order and names match `checkerDefinitions` in `mod.ts` (a test holds them
 * together).
 *
 * @module
 */
import { PluginRegistry } from "../_internal/registry.ts";
import type { Checker } from "./checker.ts";

/** The checker registry. */
export const checkerRegistry: PluginRegistry<Checker> = new PluginRegistry<Checker>("checker", [
  { type: "http", load: async () => (await import("./http.ts")).httpChecker },
  { type: "tcp", load: async () => (await import("./tcp.ts")).tcpChecker },
  { type: "tls", load: async () => (await import("./tls.ts")).tlsChecker },
  { type: "dns", load: async () => (await import("./dns.ts")).dnsChecker },
  { type: "exec", load: async () => (await import("./exec.ts")).execChecker },
  { type: "heartbeat", load: async () => (await import("./heartbeat/mod.ts")).heartbeatChecker },
  { type: "websocket", load: async () => (await import("./websocket.ts")).websocketChecker },
  { type: "udp", load: async () => (await import("./udp.ts")).udpChecker },
  { type: "smtp", load: async () => (await import("./smtp.ts")).smtpChecker },
  { type: "imap", load: async () => (await import("./imap.ts")).imapChecker },
  { type: "pop3", load: async () => (await import("./pop3.ts")).pop3Checker },
  { type: "domain", load: async () => (await import("./domain.ts")).domainChecker },
  { type: "grpc", load: async () => (await import("./grpc.ts")).grpcChecker },
]);
