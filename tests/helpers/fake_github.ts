/**
 * A local fake of the GitHub REST endpoints the `github` storage uses through Octokit: the repository
 * (default branch), branches (head commit and tree), contents (get at a branch or a commit, create/update
 * with SHA checks, delete), the git data API (trees: get recursive, create on a base tree with inline
 * contents and deletions; commits: create; refs: update as a fast-forward only) and blobs. Repositories and
 * branches are created on first use; a branch has no commit until the first write (getBranch is 404 then,
 * as on an empty repository). It answers like GitHub where it matters: 422 when a file exists and no `sha`
 * was sent, 409 when the `sha` is stale, 422 "Update is not a fast forward" when a ref update is not one,
 * 401 for a wrong token, base64 contents wrapped at 60 characters.
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
  // Commits: each write through the API (and each seed) snapshots the branch's files as a new commit.
  const snapshots = new Map<string, Map<string, FakeFile>>(); // commit or tree SHA -> files
  const commitInfo = new Map<
    string,
    { tree: string; parents: string[]; message: string; committer?: FakeCommit["committer"] }
  >();
  const heads = new Map<string, string>(); // "owner/repo branch" -> commit SHA
  const randomSha = () => createHash("sha1").update(crypto.randomUUID()).digest("hex");
  const snapshot = (repo: string, branch: string, parents: string[], message: string) => {
    const tree = randomSha(), commit = randomSha();
    const copy = new Map(files(repo, branch));
    snapshots.set(tree, copy);
    snapshots.set(commit, copy);
    commitInfo.set(commit, { tree, parents, message });
    heads.set(`${repo} ${branch}`, commit);
  };
  const bump = (repo: string, branch: string, message: string) => {
    const head = heads.get(`${repo} ${branch}`);
    snapshot(repo, branch, head ? [head] : [], message);
  };
  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (req.headers.get("authorization")?.replace(/^(token|bearer) /i, "") !== token) {
      return json(401, { message: "Bad credentials" });
    }
    const m =
      /^\/api\/v3\/repos\/([^/]+)\/([^/]+)(?:\/(contents|git\/trees|git\/blobs|git\/commits|git\/refs|branches)(?:\/(.*))?)?$/
        .exec(url.pathname);
    if (!m) return json(404, { message: "Not Found" });
    const [, owner, name, kind = "repo", rest = ""] = m;
    const repo = `${owner}/${name}`;
    const path = decodeURIComponent(rest);
    const key = `${req.method} ${kind}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    if (kind === "repo" && req.method === "GET") {
      return json(200, { full_name: repo, default_branch: "main" });
    }
    if (kind === "branches" && req.method === "GET") {
      const head = heads.get(`${repo} ${path}`);
      if (!head) return json(404, { message: "Branch not found" });
      return json(200, {
        name: path,
        commit: { sha: head, commit: { tree: { sha: commitInfo.get(head)!.tree } } },
      });
    }
    if (kind === "git/trees" && req.method === "POST") {
      const body = await req.json() as {
        base_tree?: string;
        tree: { path: string; content?: string; sha?: string | null }[];
      };
      const base = body.base_tree ? snapshots.get(body.base_tree) : new Map<string, FakeFile>();
      if (!base) return json(422, { message: "base_tree is not a valid tree" });
      const next = new Map(base);
      for (const t of body.tree) {
        if (t.sha === null) next.delete(t.path);
        else if (t.content !== undefined) next.set(t.path, { text: t.content, sha: blobSha(t.content) });
        else return json(422, { message: "expected content or a null sha" });
      }
      const sha = randomSha();
      snapshots.set(sha, next);
      return json(201, { sha, tree: [] });
    }
    if (kind === "git/commits" && req.method === "POST") {
      const body = await req.json() as {
        message: string;
        tree: string;
        parents: string[];
        committer?: { name?: string; email?: string };
      };
      if (!snapshots.has(body.tree)) return json(422, { message: "tree is not a valid tree" });
      const sha = randomSha();
      snapshots.set(sha, snapshots.get(body.tree)!);
      commitInfo.set(sha, {
        tree: body.tree,
        parents: body.parents,
        message: body.message,
        committer: body.committer,
      });
      return json(201, { sha, tree: { sha: body.tree }, message: body.message });
    }
    if (kind === "git/refs" && req.method === "PATCH") {
      const branch = path.replace(/^heads\//, "");
      const body = await req.json() as { sha: string; force?: boolean };
      const commit = commitInfo.get(body.sha);
      if (!commit) return json(422, { message: "Object does not exist" });
      const head = heads.get(`${repo} ${branch}`);
      if (!body.force && head && !commit.parents.includes(head)) {
        return json(422, { message: "Update is not a fast forward" });
      }
      const fs = files(repo, branch);
      fs.clear();
      for (const [p, f] of snapshots.get(body.sha)!) fs.set(p, f);
      heads.set(`${repo} ${branch}`, body.sha);
      commits.push({ repo, branch, message: commit.message, committer: commit.committer });
      return json(200, { ref: `refs/heads/${branch}`, object: { sha: body.sha, type: "commit" } });
    }
    if (kind === "contents") {
      if (req.method === "GET") {
        const ref = url.searchParams.get("ref") ?? "";
        const branch = ref.replace(/^(refs\/)?heads\//, "") || "main";
        const fs = /^[0-9a-f]{40}$/.test(ref) ? snapshots.get(ref) : files(repo, branch);
        if (!fs) return json(404, { message: "No commit found for the ref " + ref });
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
        bump(repo, branch, body.message);
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
        bump(repo, branch, body.message);
        commits.push({ repo, branch, message: body.message, committer: body.committer });
        return json(200, { content: null, commit: { sha: crypto.randomUUID().replaceAll("-", "") } });
      }
      return json(405, { message: "Method Not Allowed" });
    }
    if (kind === "git/trees" && req.method === "GET") {
      const branch = path === "HEAD" ? "main" : path.replace(/^(refs\/)?heads\//, "");
      const fs = snapshots.get(path) ?? files(repo, branch);
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
          seed(repo, path, text, branch = "main") {
            files(repo, branch).set(path, { text, sha: blobSha(text) });
            bump(repo, branch, `seed ${path}`);
          },
          commits,
          requests,
          stop: () => server.shutdown(),
        });
      },
    }, handler);
  });
}
