import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import {
  startDnsServer,
  startRawUdp,
  startSilentUdp,
  type TestDnsServer,
} from "../tests/helpers/dns_server.ts";
import { decodeResponse, encodeQuery } from "./_dns_wire.ts";
import { closedPort } from "./_servers_test.ts";
import type { DnsCheckerConfig } from "./dns.ts";

const check = (config: Omit<DnsCheckerConfig, "type">) =>
  parseChecker({ type: "dns", endpoint_name: "DNS", ...config }).check();

const BIG_TXT = Array.from({ length: 8 }, (_, i) => `chunk${i}-${"x".repeat(240)}`);

async function withServer(fn: (dns: TestDnsServer) => Promise<void>) {
  const dns = await startDnsServer({
    zone: {
      "host.example.com": {
        A: ["192.0.2.1", "192.0.2.2"],
        AAAA: ["2001:db8::1"],
        MX: [{ exchange: "mail.example.com", priority: 10 }],
        TXT: ["v=spf1 -all"],
        NS: ["ns1.example.com"],
      },
      "alias.example.com": { CNAME: "host.example.com" },
      "big.example.com": { TXT: BIG_TXT },
    },
    servfail: ["broken.example.com"],
    drop: ["stall.example.com"],
  });
  try {
    await fn(dns);
  } finally {
    await dns.close();
  }
}

Deno.test("dns: answers of every record type, judged against expect", async (t) => {
  await withServer(async (dns) => {
    const base = { endpoint_url: dns.address, hostname_fqdn: "host.example.com" };
    const cases: [DnsCheckerConfig["record_type"], string[]][] = [
      ["A", ["192.0.2.2", "192.0.2.1"]],
      ["AAAA", ["2001:0db8:0:0::1"]],
      ["MX", ["mail.example.com", "10 mail.example.com."]],
      ["TXT", ["v=spf1 -all"]],
      ["NS", ["NS1.example.com."]],
    ];
    for (const [record_type, expect] of cases) {
      await t.step(`${record_type}: healthy with expect ${expect.join(", ")}`, async () => {
        const r = await check({ ...base, record_type, expect });
        assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
        assert.ok(r.times![0].rtt > 0);
      });
    }
    await t.step("CNAME", async () => {
      const r = await check({
        ...base,
        hostname_fqdn: "alias.example.com",
        record_type: "CNAME",
        expect: ["host.example.com"],
      });
      assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    });
    await t.step("a missing expected record is down, listing the answer", async () => {
      const r = await check({ ...base, expect: ["192.0.2.1", "192.0.2.9"] });
      assert.equal(statusOf(r), "down");
      assert.equal(
        r.times![0].error,
        "host.example.com A: expected 192.0.2.9; the answer has 192.0.2.1, 192.0.2.2",
      );
    });
    await t.step("the trailing dot is optional (Go required it)", async () => {
      for (const hostname_fqdn of ["host.example.com", "host.example.com."]) {
        assert.equal(statusOf(await check({ ...base, hostname_fqdn })), "healthy");
      }
    });
  });
});

Deno.test("dns: NXDOMAIN, SERVFAIL and an empty answer are down (Go called them healthy)", async () => {
  await withServer(async (dns) => {
    const base = { endpoint_url: dns.address };
    const nx = await check({ ...base, hostname_fqdn: "nope.example.com" });
    assert.equal(statusOf(nx), "down");
    assert.equal(nx.times![0].error, "nope.example.com A: NXDOMAIN (no such name)");
    const servfail = await check({ ...base, hostname_fqdn: "broken.example.com" });
    assert.equal(
      servfail.times![0].error,
      "broken.example.com A: SERVFAIL (the server failed to resolve the name)",
    );
    const empty = await check({ ...base, hostname_fqdn: "alias.example.com", record_type: "AAAA" });
    assert.equal(empty.times![0].error, "alias.example.com AAAA: no records in the answer");
  });
});

Deno.test("dns: a silent server and a stalled name end at the timeout", async () => {
  const silent = await startSilentUdp();
  try {
    const r = await check({
      endpoint_url: silent.address,
      hostname_fqdn: "host.example.com",
      timeout: "200ms",
    });
    assert.equal(statusOf(r), "down");
    assert.equal(r.times![0].error, "host.example.com A: query timed out after 200ms");
  } finally {
    await silent.close();
  }
  await withServer(async (dns) => {
    const r = await check({
      endpoint_url: dns.address,
      hostname_fqdn: "stall.example.com",
      timeout: "150ms",
      attempts: 2,
    });
    assert.deepEqual(r.times!.map((a) => a.error), [
      "stall.example.com A: query timed out after 150ms",
      "stall.example.com A: query timed out after 150ms",
    ]);
  });
});

Deno.test("dns: a server answering garbage is a malformed answer, at once, not a timeout", async () => {
  const reply = (q: Uint8Array) => {
    const question = q.subarray(0, q.length - 11); // without the EDNS record
    const answer = new Uint8Array(question);
    answer.set([0x81, 0x80, 0, 1, 0, 1], 2); // a response, one question, one answer...
    return answer; // ...that is not there
  };
  const cases: [string, (q: Uint8Array) => Uint8Array, string][] = [
    [
      "text",
      () => new TextEncoder().encode("hello, this is not DNS"),
      "22 bytes): not a DNS response (QR bit clear)",
    ],
    ["three bytes", () => new Uint8Array([0xde, 0xad, 0xbe]), "3 bytes): truncated DNS message"],
    ["a cut record", reply, "34 bytes): truncated DNS name"],
  ];
  for (const [label, answer, why] of cases) {
    const server = await startRawUdp(answer);
    try {
      // A timeout of an hour: were the garbage taken for silence, the check would not end.
      const r = await check({
        endpoint_url: server.address,
        hostname_fqdn: "host.example.com",
        timeout: "1h",
      });
      assert.equal(statusOf(r), "down", label);
      const error = r.times![0].error!;
      assert.ok(error.startsWith("host.example.com A: query: malformed answer from the server ("), error);
      assert.ok(error.endsWith(why), `${label}: ${error}`);
      assert.ok(Number(r.times![0].rtt) > 0);
    } finally {
      await server.close();
    }
  }
  // A well-formed answer to another id is a late reply to an earlier query: ignored, as Go ignores it.
  const stale = await startRawUdp((q) => {
    const a = new Uint8Array(q);
    a[1] ^= 0xff;
    a[2] |= 0x80;
    return a;
  });
  try {
    const r = await check({
      endpoint_url: stale.address,
      hostname_fqdn: "host.example.com",
      timeout: "200ms",
    });
    assert.equal(r.times![0].error, "host.example.com A: query timed out after 200ms");
  } finally {
    await stale.close();
  }
});

Deno.test("dns: a truncated UDP answer is retried over TCP", async () => {
  await withServer(async (dns) => {
    const r = await check({
      endpoint_url: dns.address,
      hostname_fqdn: "big.example.com",
      record_type: "TXT",
      expect: [BIG_TXT[7]],
    });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    assert.equal(
      dns.queries.filter((q) => q === "big.example.com TXT").length,
      2,
      "once over UDP, once over TCP",
    );
  });
});

Deno.test("dns: without hostname_fqdn only a TCP connect to the server (Go), threshold_rtt applies", async () => {
  await withServer(async (dns) => {
    assert.equal(statusOf(await check({ endpoint_url: dns.address })), "healthy");
    const slow = await check({
      endpoint_url: dns.address,
      hostname_fqdn: "host.example.com",
      threshold_rtt: 1,
    });
    assert.equal(statusOf(slow), "degraded");
    assert.equal(slow.notice, "median round trip time exceeded threshold (1ns)");
  });
  const r = await check({ endpoint_url: `127.0.0.1:${closedPort()}` });
  assert.equal(statusOf(r), "down");
  assert.match(r.times![0].error!, /^connect: /);
});

Deno.test("dns wire: query encoding round-trips through the decoder's header and rejects bad names", () => {
  const q = encodeQuery(0x1234, "Host.Example.com.", "MX");
  assert.deepEqual([...q.subarray(0, 4)], [0x12, 0x34, 0x01, 0x00]);
  const response = new Uint8Array(q);
  response[2] |= 0x80; // a reply with no answers
  response[3] = 3; // NXDOMAIN
  assert.deepEqual(decodeResponse(response), {
    id: 0x1234,
    rcode: "NXDOMAIN",
    truncated: false,
    answers: [],
  });
  assert.throws(() => encodeQuery(1, `${"a".repeat(64)}.com`, "A"), /each label must be 1 to 63 bytes/);
  assert.throws(() => encodeQuery(1, "a..com", "A"), /each label must be 1 to 63 bytes/);
  assert.throws(() => decodeResponse(q), /not a DNS response/);
});
