/** A local HTTP server for tests: `/ok`, `/fail` (500), `/slow?ms=N`, `/count` (requests so far). */
export interface HttpTarget {
  url: string;
  requests: () => number;
  close(): Promise<void>;
}

/** Starts the target on 127.0.0.1 with a random free port. */
export function startHttpTarget(): HttpTarget {
  let requests = 0;
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      requests++;
      const url = new URL(req.url);
      if (url.pathname === "/ok") return new Response("all good");
      if (url.pathname === "/fail") return new Response("broken", { status: 500 });
      if (url.pathname === "/slow") {
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? 100)));
        return new Response("slow");
      }
      return new Response("not found", { status: 404 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests: () => requests,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}
