/**
 * A local fake of the GitHub REST endpoints the `github` storage uses through Octokit: contents (get,
 * create/update with SHA checks, delete), git trees (recursive) and blobs. Repositories and branches are
 * created on first use. It answers like GitHub where it matters: 422 when a file exists and no `sha` was
 * sent, 409 when the `sha` is stale, 401 for a wrong token, base64 contents wrapped at 60 characters.
 */
import { createHash } from "node:crypto";

/** One file in a branch. */
export interface FakeFile {
  text: string;
  sha: string;
}

/** One commit as recorded by the fake. */
export interface FakeCommit {
  repo: string;
  branch: string;
  message: string;
  committer?: { name?: string; email?: string };
}

/** A running fake GitHub API. */
export interface FakeGithub {
  /** The API base URL (`http://127.0.0.1:PORT/api/v3`, as on GitHub Enterprise). */
  url: string;
  /** The token it accepts. */
  token: string;
  /** Files of `owner/repo` on `branch` (default "main"), by path. */
  files(repo: string, branch?: string): Map<string, FakeFile>;
  /** Puts a file directly (as if someone else committed it). */
  seed(repo: string, path: string, text: string, branch?: string): void;
  /** Every commit made through the API, in order. */
  commits: FakeCommit[];
  /** Requests served, by "METHOD route"; refused writes (409/422) under "conflict". */
  requests: Map<string, number>;
  stop(): Promise<void>;
}

function blobSha(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function b64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/.{60}/g, "$&\n");
}

function unb64(text: string): string {
  const bin = atob(text.replace(/\s/g, ""));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Starts the fake on a free port of 127.0.0.1. */
export function startFakeGithub(token = "ghp_testtoken_0123456789"): Promise<FakeGithub> {
  const repos = new Map<string, Map<string, Map<string, FakeFile>>>();
  const commits: FakeCommit[] = [];
  const requests = new Map<string, number>();
  const files = (repo: string, branch = "main") => {
    if (!repos.has(repo)) repos.set(repo, new Map());
    const branches = repos.get(repo)!;
    if (!branches.has(branch)) branches.set(branch, new Map());
    return branches.get(branch)!;
  };
  const fileJson = (path: string, f: FakeFile, content = true) => ({
    type: "file",
    name: path.split("/").pop(),
    path,
    sha: f.sha,
    size: new TextEncoder().encode(f.text).length,
    ...(content ? { encoding: "base64", content: b64(f.text) } : {}),
  });

  const json = (status: number, body: unknown) => {
    if (status === 409 || status === 422) requests.set("conflict", (requests.get("conflict") ?? 0) + 1);
    return jsonResponse(status, body);
  };
  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (req.headers.get("authorization")?.replace(/^(token|bearer) /i, "") !== token) {
      return json(401, { message: "Bad credentials" });
    }
    const m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/(contents|git\/trees|git\/blobs)(?:\/(.*))?$/.exec(
      url.pathname,
    );
    if (!m) return json(404, { message: "Not Found" });
    const [, owner, name, kind, rest = ""] = m;
    const repo = `${owner}/${name}`;
    const path = decodeURIComponent(rest);
    const key = `${req.method} ${kind}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    if (kind === "contents") {
      if (req.method === "GET") {
        const branch = url.searchParams.get("ref")?.replace(/^(refs\/)?heads\//, "") || "main";
        const fs = files(repo, branch);
        const f = fs.get(path);
        if (f) return json(200, fileJson(path, f));
        const prefix = path ? `${path}/` : "";
        const listing = [...fs].filter(([p]) =>
          p.startsWith(prefix) && !p.slice(prefix.length).includes("/")
        );
        if (listing.length) return json(200, listing.map(([p, f]) => fileJson(p, f, false)));
        return json(404, { message: "Not Found" });
      }
      const body = await req.json() as {
        message: string;
        content?: string;
        sha?: string;
        branch?: string;
        committer?: { name?: string; email?: string };
      };
      const branch = body.branch || "main";
      const fs = files(repo, branch);
      const existing = fs.get(path);
      if (req.method === "PUT") {
        if (existing && !body.sha) {
          return json(422, { message: 'Invalid request.\n\n"sha" wasn\'t supplied.' });
        }
        if (existing && body.sha !== existing.sha) {
          return json(409, { message: `${path} does not match ${body.sha}` });
        }
        if (!existing && body.sha) return json(409, { message: `${path} does not match ${body.sha}` });
        const text = unb64(body.content ?? "");
        const f = { text, sha: blobSha(text) };
        fs.set(path, f);
        commits.push({ repo, branch, message: body.message, committer: body.committer });
        return json(existing ? 200 : 201, {
          content: fileJson(path, f, false),
          commit: { sha: crypto.randomUUID().replaceAll("-", ""), message: body.message },
        });
      }
      if (req.method === "DELETE") {
        if (!existing) return json(404, { message: "Not Found" });
        if (body.sha !== existing.sha) return json(409, { message: `${path} does not match ${body.sha}` });
        fs.delete(path);
        commits.push({ repo, branch, message: body.message, committer: body.committer });
        return json(200, { content: null, commit: { sha: crypto.randomUUID().replaceAll("-", "") } });
      }
      return json(405, { message: "Method Not Allowed" });
    }
    if (kind === "git/trees" && req.method === "GET") {
      const branch = path === "HEAD" ? "main" : path.replace(/^(refs\/)?heads\//, "");
      const fs = files(repo, branch);
      const dirs = new Set<string>();
      for (const p of fs.keys()) {
        const parts = p.split("/");
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
      }
      const tree = [
        ...[...dirs].map((d) => ({ path: d, mode: "040000", type: "tree", sha: blobSha(d) })),
        ...[...fs].map(([p, f]) => ({
          path: p,
          mode: "100644",
          type: "blob",
          sha: f.sha,
          size: new TextEncoder().encode(f.text).length,
        })),
      ];
      const recursive = url.searchParams.has("recursive");
      return json(200, {
        sha: blobSha(branch),
        truncated: false,
        tree: recursive ? tree : tree.filter((t) => !t.path.includes("/")),
      });
    }
    if (kind === "git/blobs" && req.method === "GET") {
      for (const branches of repos.values()) {
        for (const fs of branches.values()) {
          for (const f of fs.values()) {
            if (f.sha === path) return json(200, { sha: f.sha, encoding: "base64", content: b64(f.text) });
          }
        }
      }
      return json(404, { message: "Not Found" });
    }
    return json(404, { message: "Not Found" });
  };

  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen(addr) {
        resolve({
          url: `http://127.0.0.1:${addr.port}/api/v3`,
          token,
          files,
          seed(repo, path, text, branch) {
            files(repo, branch).set(path, { text, sha: blobSha(text) });
          },
          commits,
          requests,
          stop: () => server.shutdown(),
        });
      },
    }, handler);
  });
}
