// tests/integration/lib/fixture-sio.mjs: start the conformance fixture
// (tests/conformance: /engine.io/ echo + /socket.io/ from src/sio) on a
// random free port with N workers, for the 2x-sio integration tests.
//
//   const fx = await startFixture({ workers: 2, env: { SIO_FIXTURE_RECOVERY: "120000" } });
//   fx.url  -> "http://127.0.0.1:PORT";  await fx.stop();  fx.log() -> server output
//
// The module is built once per test process with
// tests/conformance/run.sh --build-only (or taken from $SIO_FIXTURE_SO).
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../../..");

let modulePath = process.env.SIO_FIXTURE_SO || null;

function buildModule() {
  if (modulePath) return modulePath;
  // (run.sh drops objects older than a changed header: kodev would not.)
  // Same lock as lib/eio_fixture.mjs: concurrent test files build once.
  const out = execFileSync("flock", [path.join("/tmp", `parley-fixture-${process.getuid()}.lock`),
    path.join(ROOT, "tests/conformance/run.sh"), "--build-only"], {
    cwd: ROOT,
    env: { ...process.env, ROOT },
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 16 * 1024 * 1024,
  });
  modulePath = out.toString().trim().split("\n").pop();
  return modulePath;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitPort(port, ms) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => { sock.destroy(); resolve(); });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} not open after ${ms} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

// The conformance heartbeat (300/200 ms) is kept only with
// conformanceHeartbeat: true; otherwise /socket.io/ pings every second and
// waits 5 s, so that a loaded machine does not time sessions out.
export async function startFixture({ workers = 1, env = {}, conformanceHeartbeat = false } = {}) {
  if (!conformanceHeartbeat) {
    env = { SIO_FIXTURE_PING_INTERVAL: "1000", SIO_FIXTURE_PING_TIMEOUT: "5000", ...env };
  }
  const so = buildModule();
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "sio-fixture-"));
  const tmpl = readFileSync(process.env.SIO_FIXTURE_CONF || path.join(ROOT, "tests/conformance/conf/fixture.conf"), "utf8");
  const conf = path.join(dir, "fixture.conf");
  writeFileSync(conf, `load ${so}\npidfile ${dir}/kore.pid\n` +
    tmpl.replaceAll("@PORT@", String(port)).replaceAll("@WORKERS@", String(workers)));
  let output = "";
  const child = spawn("stdbuf", ["-oL", "-eL", "kore", "-fnrc", conf], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout.on("data", (d) => { output += d; });
  child.stderr.on("data", (d) => { output += d; });
  let exited = false;
  const exit = new Promise((resolve) => child.on("exit", (code, sig) => { exited = true; resolve({ code, sig }); }));
  try {
    await waitPort(port, 15000);
    // Give every worker time to come up (they accept independently).
    await new Promise((r) => setTimeout(r, 150 * workers));
  } catch (e) {
    try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
    throw new Error(`${e.message}\n${output}`);
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => output,
    alive: () => !exited,
    logFile: path.join(ROOT, "var", "run", `sio-fixture-${port}.log`),
    async stop() {
      // Keep the server's output for post-mortems (var/ is ignored).
      try {
        mkdirSync(path.join(ROOT, "var", "run"), { recursive: true });
        writeFileSync(path.join(ROOT, "var", "run", `sio-fixture-${port}.log`), output);
      } catch { /* best effort */ }
      if (exited) return exit;
      try { process.kill(child.pid, "SIGTERM"); } catch { /* gone */ }
      const t = setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ } }, 5000);
      const r = await exit;
      clearTimeout(t);
      return r;
    },
  };
}
