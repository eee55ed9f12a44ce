/**
 * Shared `Deno.HttpClient`s, one per distinct connection setting, owned by a Checkup and closed with it.
 * Building a client is the costly part of a request (TLS configuration, root store): sharing it keeps a
 * 5,000-endpoint round cheap, while `poolMaxIdlePerHost: 0` still gives each attempt a fresh connection.
 */

/** Settings that call for a separate client. */
export interface HttpClientKey {
  /** PEM roots added to the system's. */
  caCerts?: string[];
  /** Keep idle connections for reuse (RTT then excludes connect and TLS on a reused connection). */
  keepAlive?: boolean;
  /** A client certificate and its key (mutual TLS), PEM. */
  clientCert?: { cert: string; key: string };
  /** A forward proxy URL (credentials as `user:password@`); unset: the environment's proxy variables. */
  proxy?: string;
}

/** Deno's proxy setting for a URL: its credentials as basic auth, the rest as the URL. */
function proxyOf(url: string): Deno.Proxy {
  const u = new URL(url);
  const basicAuth = u.username
    ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
    : undefined;
  u.username = "";
  u.password = "";
  return { url: u.href, ...(basicAuth ? { basicAuth } : {}) };
}

/** A set of shared HTTP clients. */
export class HttpClients {
  readonly #clients = new Map<string, Deno.HttpClient>();

  /** The client for these settings, created on first use. */
  get(key: HttpClientKey): Deno.HttpClient {
    // The id only lives in this map (the key's PEM never leaves the process's memory).
    const id = [
      key.keepAlive ? 1 : 0,
      ...(key.caCerts ?? []),
      key.clientCert?.cert,
      key.clientCert?.key,
      key.proxy,
    ].join("\u0000");
    let client = this.#clients.get(id);
    if (!client) {
      client = Deno.createHttpClient({
        allowHost: true, // a configured Host header reaches the server, as in Go
        caCerts: key.caCerts,
        ...(key.clientCert ? { cert: key.clientCert.cert, key: key.clientCert.key } : {}),
        ...(key.proxy ? { proxy: proxyOf(key.proxy) } : {}),
        ...(key.keepAlive ? {} : { poolMaxIdlePerHost: 0 }),
      });
      this.#clients.set(id, client);
    }
    return client;
  }

  /** Closes every client. */
  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }

  /** `using` support: closes every client. */
  [Symbol.dispose](): void {
    this.close();
  }
}
