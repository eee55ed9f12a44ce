/**
 * What `deno compile` promises, proved without compiling (compile downloads its runtime, which this
 * machine cannot): a copy of the repository's sources (`git ls-files` minus tests and benchmarks), run
 * from another working directory with read access to nothing but the config and the storage, serves
 * every status page asset from the module graph, and loads every backend module and the lazily
 * imported drivers. Nothing is read from the source tree at run time.
 */
import assert from "node:assert/strict";
import { dirname, extname, join, relative } from "node:path";
import { unavailable } from "./helpers/_server.ts";

const REPO = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** The drivers the backends import lazily, as they import them. */
const DRIVERS = [
  "pg",
  "mysql2/promise",
  "@aws-sdk/client-s3",
  "@aws-sdk/client-sns",
  "@octokit/rest",
  "nodemailer",
];
/**
 * Environment variables the drivers read while loading (nothing else): the AWS SDK's Lambda probes and
 * nodemailer's test-account settings. A driver upgrade that reads another one fails here, naming it.
 */
const DRIVER_LOAD_ENV = [
  "AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA",
  "AWS_LAMBDA_BENCHMARK_MODE",
  "ETHEREAL_API",
  "ETHEREAL_WEB",
  "ETHEREAL_API_KEY",
  "ETHEREAL_CACHE",
];
/** statuspage/ files that are not served: the static export's `config.json` template. */
const NOT_SERVED = new Set(["config.example.json"]);
const TYPES: Record<string, RegExp> = {
  ".html": /^text\/html/,
  ".css": /^text\/css/,
  ".js": /^text\/javascript/,
  ".svg": /^image\/svg\+xml/,
};

/** The repository's source files: tracked, present in the working tree, not tests or benchmarks. */
async function sourceFiles(): Promise<string[] | undefined> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("git", { args: ["ls-files", "-z"], cwd: REPO, stdout: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  assert.equal(out.code, 0, "git ls-files failed");
  const files: string[] = [];
  for (const path of decoder.decode(out.stdout).split("\0")) {
    if (!path || /^(tests|bench)\//.test(path) || path.endsWith("_test.ts")) continue;
    try {
      if ((await Deno.lstat(join(REPO, path))).isFile) files.push(path);
    } catch { /* deleted in the working tree */ }
  }
  return files;
}

async function copyTree(files: string[], to: string): Promise<void> {
  for (const path of files) {
    await Deno.mkdir(dirname(join(to, path)), { recursive: true });
    await Deno.copyFile(join(REPO, path), join(to, path));
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walk(path);
    else if (e.isFile) yield path;
  }
}

/** Reads a child's stdout until `pattern` matches; returns the match and keeps draining the rest. */
async function waitForLine(
  stream: ReadableStream<Uint8Array>,
  pattern: RegExp,
  stderr: () => string,
): Promise<{ match: RegExpExecArray; rest: Promise<void> }> {
  const reader = stream.getReader();
  let text = "";
  const deadline = AbortSignal.timeout(15_000);
  for (;;) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) =>
        deadline.addEventListener("abort", () => reject(new Error("timed out")), { once: true })
      ),
    ]).catch((e) => {
      throw new Error(`waiting for ${pattern} on stdout: ${e.message}\nstdout: ${text}\nstderr: ${stderr()}`);
    });
    if (chunk.done) throw new Error(`stdout ended before ${pattern}\nstdout: ${text}\nstderr: ${stderr()}`);
    text += decoder.decode(chunk.value, { stream: true });
    const match = pattern.exec(text);
    if (match) {
      const rest = (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })();
      return { match, rest };
    }
  }
}

async function collect(stream: ReadableStream<Uint8Array>, into: { text: string }): Promise<void> {
  for await (const chunk of stream) into.text += decoder.decode(chunk, { stream: true });
}

Deno.test("a copy of the sources serves every page asset and loads every backend, from elsewhere, with narrow permissions", async (t) => {
  const files = await sourceFiles();
  if (!files) return unavailable("git is not installed: cannot list the repository's sources");
  const root = await Deno.makeTempDir({ prefix: "checkup-self-contained-" });
  const app = join(root, "app"), etc = join(root, "etc"), data = join(root, "data"), cwd = join(root, "cwd");
  try {
    await copyTree(files, app);
    await Promise.all([etc, data, cwd].map((d) => Deno.mkdir(d)));
    // A stored round for the page to show (Go Checkup's own check files).
    for await (const file of walk(join(REPO, "tests/fixtures/go/fs"))) {
      await Deno.copyFile(file, join(data, relative(join(REPO, "tests/fixtures/go/fs"), file)));
    }
    const config = join(etc, "checkup.json");
    await Deno.writeTextFile(config, JSON.stringify({ checkers: [], storage: { type: "fs", dir: data } }));
    // The copy's own deno.json (import map, raw imports), named explicitly: nothing is found through cwd.
    const run = ["run", "--no-prompt", "--config", join(app, "deno.json"), "--allow-net=127.0.0.1"];

    await t.step(
      "checkup serve serves every statuspage/ and status/ file from the module graph",
      async () => {
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            ...run,
            `--allow-read=${config},${data}`,
            join(app, "main.ts"),
            "serve",
            "--config",
            config,
            "--listen",
            "127.0.0.1:0",
          ],
          cwd,
          env: { NO_COLOR: "1" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const err = { text: "" };
        const stderrDone = collect(child.stderr, err);
        let rest: Promise<void> | undefined;
        try {
          const listening = await waitForLine(
            child.stdout,
            /Serving the status page on (http:\/\/127\.0\.0\.1:\d+)\//,
            () => err.text,
          );
          rest = listening.rest;
          const base = listening.match[1];
          let served = 0;
          const files = [];
          for await (const file of walk(join(app, "statuspage"))) {
            files.push({ file, path: relative(join(app, "statuspage"), file) });
          }
          // The status model is served beside the page's js/ (see server/assets.ts).
          for await (const file of walk(join(app, "status"))) {
            files.push({ file, path: relative(app, file) });
          }
          for (const { file, path } of files) {
            if (NOT_SERVED.has(path)) continue;
            let want = await Deno.readTextFile(file);
            // The page is the template with the server's data source written in.
            if (path === "index.html") {
              want = want.replace(
                'name="checkup-source" content="config.json"',
                'name="checkup-source" content="api/v1/status"',
              );
            }
            // The page's modules find the status model one level closer in the site than in the sources.
            if (path.startsWith("js/")) want = want.replaceAll('"../../status/', '"../status/');
            for (
              const url of path === "index.html" ? [`${base}/`, `${base}/index.html`] : [`${base}/${path}`]
            ) {
              const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
              const body = await res.text();
              assert.equal(res.status, 200, `${url}: ${body}`);
              assert.match(res.headers.get("content-type") ?? "", TYPES[extname(path)], url);
              assert.equal(body, want, `${url} differs from ${relative(app, file)}`);
              served++;
            }
          }
          assert.ok(served >= 22, `expected every page asset, served ${served}`);
          // The stored round was read with read access to the storage directory only.
          let health: { status: string; rounds: number } | undefined;
          for (let i = 0; i < 100; i++) {
            const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
            health = await res.json();
            if (res.status === 200) break;
            await new Promise((r) => setTimeout(r, 50));
          }
          assert.equal(health?.status, "ok", JSON.stringify(health) + err.text);
          assert.ok(health!.rounds >= 1, JSON.stringify(health));
        } finally {
          child.kill("SIGTERM");
          const status = await child.status;
          await Promise.all([rest ?? child.stdout.cancel(), stderrDone]);
          assert.equal(status.code, 0, `serve exited ${status.code} after SIGTERM:\n${err.text}`);
        }
        assert.doesNotMatch(err.text, /NotCapable|PermissionDenied|Requires .* access/, err.text);
      },
    );

    await t.step("every storage and notifier module and every lazily loaded driver loads", async () => {
      const modules = [];
      for (const kind of ["storage", "notifiers"]) {
        for await (const e of Deno.readDir(join(app, kind))) {
          // _conformance*.ts are test helpers (not in the published package, not in compile's graph).
          if (e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_conformance")) {
            modules.push(`./${kind}/${e.name}`);
          }
        }
      }
      assert.ok(modules.length >= 25, `found only ${modules.length} backend modules`);
      // Literal specifiers, as in the sources: resolved in the module graph, no read permission needed.
      const script = [...modules.sort(), ...DRIVERS].map((m) => `await import(${JSON.stringify(m)});`)
        .join("\n") +
        `\nDeno.stdout.writeSync(new TextEncoder().encode("loaded ${
          modules.length + DRIVERS.length
        }\\n"));\n`;
      await Deno.writeTextFile(join(app, "load_backends.ts"), script);
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          ...run,
          `--allow-read=${config},${data}`,
          `--allow-env=${DRIVER_LOAD_ENV.join(",")}`,
          join(app, "load_backends.ts"),
        ],
        cwd,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const stderr = decoder.decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      assert.equal(decoder.decode(out.stdout).trim(), `loaded ${modules.length + DRIVERS.length}`);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
