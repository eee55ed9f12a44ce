import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { decodeResults } from "../result.ts";
import { startHttpTarget } from "./helpers/http_target.ts";
import { FakeClock } from "./helpers/clock.ts";

async function withConfig(config: unknown, fn: (path: string, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "checkup-cli-" });
  const path = join(dir, "checkup.json");
  await Deno.writeTextFile(path, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  try {
    await fn(path, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function cli(args: string[], signal?: AbortSignal, clock?: FakeClock) {
  const io = memoryIo(signal);
  io.clock = clock;
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

const checks = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith("-check.json"));

Deno.test("checkup prints Go's result block and exits 0 when all healthy, 1 otherwise", async () => {
  const target = startHttpTarget();
  try {
    await withConfig(
      { checkers: [{ type: "http", endpoint_name: "OK", endpoint_url: `${target.url}/ok` }] },
      async (path) => {
        const r = await cli(["-c", path]);
        assert.equal(r.code, 0, r.err);
        assert.match(
          r.out,
          new RegExp(
            `^== OK - ${target.url}/ok\n  Threshold: 0s\n        Max: .+\n        Min: .+\n     Median: .+\n       Mean: .+\n        All: \\[\\{.+ \\}\\]\n Assessment: healthy\n\n$`,
          ),
        );
      },
    );
    await withConfig({
      checkers: [
        { type: "http", endpoint_name: "OK", endpoint_url: `${target.url}/ok` },
        { type: "http", endpoint_name: "Broken", endpoint_url: `${target.url}/fail`, attempts: 2 },
      ],
    }, async (path) => {
      const r = await cli(["-c", path]);
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        /== Broken - .*\/fail\n[\s\S]*All: \[\{.+ response status 500 Internal Server Error\} \{.+ response status 500 Internal Server Error\}\]\n Assessment: down\n/,
      );
      const json = await cli(["-c", path, "--json"]);
      assert.equal(json.code, 1);
      const results = decodeResults(json.out);
      assert.deepEqual(results.map((x) => [x.title, x.healthy ?? false, x.down ?? false]), [[
        "OK",
        true,
        false,
      ], ["Broken", false, true]]);
    });
  } finally {
    await target.close();
  }
});

Deno.test("checkup --store stores a Go-format round and exits 0 even when unhealthy", async () => {
  const target = startHttpTarget();
  try {
    await withConfig({
      checkers: [{ type: "http", endpoint_name: "Broken", endpoint_url: `${target.url}/fail` }],
    }, async (path, dir) => {
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          checkers: [{ type: "http", endpoint_name: "Broken", endpoint_url: `${target.url}/fail` }],
          storage: { type: "fs", dir: join(dir, "checks") },
        }),
      );
      const r = await cli(["-c", path, "--store"]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, "");
      const [file] = checks(join(dir, "checks"));
      const text = await Deno.readTextFile(join(dir, "checks", file));
      assert.ok(text.endsWith("]\n"));
      assert.equal(decodeResults(text)[0].down, true);
      const printed = await cli(["-c", path, "--store", "--print"]);
      assert.match(printed.out, /Assessment: down/);
    });
  } finally {
    await target.close();
  }
});

Deno.test("checkup --store without storage fails clearly", async () => {
  await withConfig({ checkers: [] }, async (path) => {
    const r = await cli(["-c", path, "--store"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /error: no storage configured/);
  });
});

Deno.test("bad input gives one clear message naming the place and a non-zero exit", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "bad JSON",
      '{\n  "checkers": [}\n',
      /^error: .*checkup\.json:2:16: 1 problem\n {2}invalid JSON: expected a value/,
    ],
    ["wrong type", '{"checkers": {"type": "http"}}', /checkers: expected an array, found an object/],
    [
      "unknown type",
      '{"checkers": [{"type": "ftp"}]}',
      /checkers\[0\]\.type: unknown checker type "ftp"; expected one of: http/,
    ],
    [
      "bad duration",
      '{"checkers": [{"type": "http", "endpoint_url": "http://x.test", "threshold_rtt": "1 sec"}]}',
      /checkers\[0\]\.threshold_rtt: expected a duration/,
    ],
    [
      "unset env var",
      '{"storage": {"type": "fs", "dir": "${CHECKUP_TEST_UNSET_VAR}"}}',
      /storage\.dir: environment variable CHECKUP_TEST_UNSET_VAR is not set/,
    ],
  ];
  for (const [name, text, want] of cases) {
    await t.step(name, async () => {
      await withConfig(text, async (path) => {
        const r = await cli(["-c", path]);
        assert.equal(r.code, 1);
        assert.match(r.err, want);
        assert.equal(r.out, "");
      });
    });
  }
  await t.step("missing file", async () => {
    const r = await cli(["-c", "/nonexistent/checkup.json"]);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      "error: /nonexistent/checkup.json: 1 problem\n  file not found (create one, or pass -c/--config PATH)\n",
    );
  });
  await t.step("unknown key is a warning, the run goes on", async () => {
    await withConfig({ checkers: [], chekers: [] }, async (path) => {
      const r = await cli(["-c", path]);
      assert.equal(r.code, 0);
      assert.match(
        r.err,
        /WARN .*checkup\.json: chekers: unknown key, ignored \(did you mean "checkers"\?\)/,
      );
    });
  });
  await t.step("unwritable storage dir fails and keeps stored data", async () => {
    await withConfig({}, async (path, dir) => {
      const target = startHttpTarget();
      try {
        const good = join(dir, "checks");
        const base = { checkers: [{ type: "http", endpoint_name: "A", endpoint_url: `${target.url}/ok` }] };
        await Deno.writeTextFile(path, JSON.stringify({ ...base, storage: { type: "fs", dir: good } }));
        assert.equal((await cli(["-c", path, "--store"])).code, 0);
        const before = checks(good);
        const blocked = join(good, before[0], "sub");
        await Deno.writeTextFile(path, JSON.stringify({ ...base, storage: { type: "fs", dir: blocked } }));
        const r = await cli(["-c", path, "--store"]);
        assert.equal(r.code, 1);
        assert.match(r.err, /error: storage fs: cannot create directory ".*sub"/);
        assert.deepEqual(checks(good), before);
        assert.equal(decodeResults(await Deno.readTextFile(join(good, before[0])))[0].title, "A");
      } finally {
        await target.close();
      }
    });
  });
});

Deno.test("usage errors exit 2; --help and --version exit 0", async () => {
  assert.equal((await cli(["--bogus"])).code, 2);
  assert.equal((await cli(["frobnicate"])).code, 2);
  const every = await cli(["every", "soon"]);
  assert.equal(every.code, 2);
  assert.match(every.err, /every: expected a duration/);
  assert.equal((await cli(["every"])).code, 2);
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /Examples:/);
  assert.match((await cli(["every", "--help"])).out, /checkup every 10m/);
  const version = await cli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.out, /^\d+\.\d+\.\d+\n$/);
});

Deno.test("a mistyped command is named with a suggestion, not 'too many arguments'", async () => {
  const typo = await cli(["evry", "1m"]);
  assert.equal(typo.code, 2);
  assert.equal(typo.err, "error: unknown command 'evry'\n(Did you mean every?)\n");
  const far = await cli(["-c", "x.json", "frobnicate"]);
  assert.equal(far.code, 2);
  assert.equal(far.err, "error: unknown command 'frobnicate'\n(checkup --help lists the commands)\n");
  // A command's own extra arguments are still refused by that command.
  assert.match((await cli(["every", "1m", "extra"])).err, /too many arguments for 'every'/);
});

Deno.test("every's interval has a floor and a ceiling, named in the error", async () => {
  for (const [interval, found] of [["1ns", '"1ns"'], ["999ms", '"999ms"'], ["8d", '"8d"']]) {
    const r = await cli(["every", interval]);
    assert.equal(r.code, 2, interval);
    assert.equal(r.err, `error: every: expected an interval from 1s to 7d, found ${found}\n`);
  }
});

Deno.test("checkup message applies the API's rules: no empty or oversized message is stored", async () => {
  await withConfig({}, async (path, dir) => {
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        checkers: [{ type: "tcp", endpoint_name: "Closed", endpoint_url: "127.0.0.1:1" }],
        storage: { type: "fs", dir: join(dir, "checks") },
      }),
    );
    const cases: [string, string][] = [
      ["", "found an empty string"],
      [" \n ", "found only white space"],
      ["x".repeat(120_000), "found 120000 characters"],
    ];
    for (const [text, found] of cases) {
      const r = await cli(["-c", path, "message", text]);
      assert.equal(r.code, 2);
      assert.equal(
        r.err,
        `error: message: expected a non-empty string of at most 4000 characters, ${found}\n`,
      );
    }
    assert.throws(() => Deno.readDirSync(join(dir, "checks")), Deno.errors.NotFound, "nothing was stored");
  });
});

Deno.test("with --log-format json a fatal error is a JSON log line too", async () => {
  const r = await cli(["--log-format", "json", "-c", "/nonexistent/checkup.json"]);
  assert.equal(r.code, 1);
  const lines = r.err.trimEnd().split("\n");
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]);
  assert.equal(rec.level, "error");
  assert.equal(
    rec.msg,
    "/nonexistent/checkup.json: 1 problem\n  file not found (create one, or pass -c/--config PATH)",
  );
  const usage = await cli(["--log-format", "json", "every", "1ns"]);
  assert.equal(usage.code, 2);
  assert.equal(JSON.parse(usage.err).msg, 'every: expected an interval from 1s to 7d, found "1ns"');
});

Deno.test("checkup message attaches the message to the matching result and stores the round", async () => {
  const target = startHttpTarget();
  try {
    await withConfig({}, async (path, dir) => {
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          checkers: [
            { type: "http", endpoint_name: "Website", endpoint_url: `${target.url}/ok` },
            { type: "http", endpoint_name: "API", endpoint_url: `${target.url}/ok` },
          ],
          storage: { type: "fs", dir: join(dir, "checks") },
        }),
      );
      const ambiguous = await cli(["-c", path, "message", "hello"]);
      assert.equal(ambiguous.code, 2);
      assert.match(ambiguous.err, /more than one result/);
      const missing = await cli(["-c", path, "message", "hello", "--about", "nope"]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /no result for endpoint with title 'nope'/);
      const r = await cli(["-c", path, "message", "<b>Investigating</b>", "--about", "api"]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, "Message posted\n");
      const [file] = checks(join(dir, "checks"));
      const text = await Deno.readTextFile(join(dir, "checks", file));
      assert.match(text, /"title":"API",.*"message":"\\u003cb\\u003eInvestigating\\u003c\/b\\u003e"/);
      assert.deepEqual(decodeResults(text).map((x) => x.message), [undefined, "<b>Investigating</b>"]);
    });
  } finally {
    await target.close();
  }
});

Deno.test("checkup every runs at once, then on each tick, and stops after finishing the round", async () => {
  const target = startHttpTarget();
  try {
    await withConfig({}, async (path, dir) => {
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          checkers: [{ type: "http", endpoint_name: "A", endpoint_url: `${target.url}/ok` }],
          storage: { type: "fs", dir: join(dir, "checks"), check_expiry: "1h" },
        }),
      );
      // The schedule runs on a fake clock: the test moves time to the next tick instead of waiting for it.
      const clock = new FakeClock();
      const ac = new AbortController();
      const done = cli(["-c", path, "every", "1s"], ac.signal, clock);
      await clock.untilSleeping(); // the first round is done and the loop waits for the next tick
      assert.equal(target.requests(), 1, "a round at once");
      assert.equal(checks(join(dir, "checks")).length, 1);
      clock.advance(999);
      assert.equal(clock.sleeping, 1, "nothing before the tick");
      clock.advance(1);
      await clock.untilSleeping();
      assert.equal(target.requests(), 2, "a round on the tick");
      ac.abort();
      const r = await done;
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /checking on a schedule/);
      assert.match(r.err, /stopped/);
      assert.equal(checks(join(dir, "checks")).length, 2);
      assert.equal(checks(join(dir, "checks")).length, target.requests());
    });
    await withConfig(
      { checkers: [{ type: "http", endpoint_url: `${target.url}/ok` }] },
      async (path) => {
        const r = await cli(["-c", path, "every", "1m"]);
        assert.equal(r.code, 1);
        assert.match(r.err, /no storage configured/);
      },
    );
  } finally {
    await target.close();
  }
});

Deno.test("SIGTERM stops `checkup every` after the round under way is stored, exit 0", async () => {
  const target = startHttpTarget();
  try {
    await withConfig({}, async (path, dir) => {
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          checkers: [{ type: "http", endpoint_name: "Slow", endpoint_url: `${target.url}/slow?ms=600` }],
          storage: { type: "fs", dir: join(dir, "checks") },
        }),
      );
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname, "-c", path, "every", "1h"],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // Wait until the first (slow) round is under way, then ask it to stop.
      while (target.requests() < 1) await new Promise((r) => setTimeout(r, 20));
      child.kill("SIGTERM");
      const out = await child.output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.equal(checks(join(dir, "checks")).length, 1, "the round under way was stored");
    });
  } finally {
    await target.close();
  }
});
