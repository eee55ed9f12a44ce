/**
 * A real webhook receiver on 127.0.0.1 for alert delivery tests. Its behaviour can be switched at any
 * time: `ok` answers 200, `error` answers 500, `hang` accepts and never answers (until `close`), `late`
 * holds each answer until `release()` and then answers 200 (a receiver that processed the request but
 * answered after the sender gave up). It records every request with its `Idempotency-Key` and body `id`,
 * deduplicates by that id as a careful receiver should, and lets tests wait for the n-th request.
 */

/** How the receiver answers (`flap`: 500 and 200 in turn, starting with 500). */
export type ReceiverMode = "ok" | "error" | "hang" | "late" | "flap";

/** One request received. */
export interface Received {
  /** The `Idempotency-Key` header. */
  key: string | null;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  mode: ReceiverMode;
  /** Every request, in arrival order (retries included). */
  requests: Received[];
  /** Notifications taken once: by id, the first body (a deduplicating receiver's view). */
  unique: Map<string, Record<string, unknown>>;
  /** Resolves once `n` requests have arrived (already arrived: at once). */
  waitFor(n: number): Promise<void>;
  /** Answers the requests `late` is holding. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a receiver answering in `mode`, on `port` (default: a free one). */
export function startReceiver(mode: ReceiverMode = "ok", port = 0): Receiver {
  const requests: Received[] = [];
  const unique = new Map<string, Record<string, unknown>>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let releaseLate: (() => void)[] = [];
  const closing = Promise.withResolvers<void>();
  const ac = new AbortController();
  const receiver: Receiver = {
    url: "",
    mode,
    requests,
    unique,
    waitFor: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    release() {
      const held = releaseLate;
      releaseLate = [];
      for (const r of held) r();
    },
    async close() {
      closing.resolve();
      receiver.release();
      ac.abort();
      await server.finished;
    },
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, signal: ac.signal, onListen() {} },
    async (req) => {
      const body = await req.json().catch(() => ({})) as Record<string, unknown>;
      const key = req.headers.get("idempotency-key");
      requests.push({ key, body });
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const take = () => {
        const id = String(body.id ?? key);
        if (!unique.has(id)) unique.set(id, body);
        return new Response("ok");
      };
      switch (receiver.mode) {
        case "ok":
          return take();
        case "error":
          return new Response("broken", { status: 500 });
        case "flap":
          return requests.length % 2 ? new Response("broken", { status: 500 }) : take();
        case "hang":
          await closing.promise;
          return new Response("closing", { status: 503 });
        case "late": {
          const released = new Promise<void>((r) => releaseLate.push(r));
          await Promise.race([released, closing.promise]);
          return take();
        }
      }
    },
  );
  receiver.url = `http://127.0.0.1:${server.addr.port}/hook`;
  return receiver;
}
