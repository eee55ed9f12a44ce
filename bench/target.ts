/**
 * The benchmark target server (run as its own process): `/p/<i>` answers 200 after `?ms=` (or the
 * `TARGET_LATENCY_MS` default) milliseconds; every path whose number ends in 7 answers 500.
 * Also a TCP accept-and-close listener on the next port. Usage: deno run -A bench/target.ts PORT
 */
const port = Number(Deno.args[0] ?? 18080);
const latency = Number(Deno.env.get("TARGET_LATENCY_MS") ?? 0);
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  const url = new URL(req.url);
  const m = /^\/p\/(\d+)$/.exec(url.pathname);
  if (!m) return new Response("not found", { status: 404 });
  const ms = Number(url.searchParams.get("ms") ?? latency);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  return m[1].endsWith("7") ? new Response("failing on purpose", { status: 500 }) : new Response("ok\n");
});
const tcp = Deno.listen({ hostname: "127.0.0.1", port: port + 1 });
for await (const conn of tcp) conn.close();
