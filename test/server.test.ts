import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import http from 'node:http';

/** The real entry point, as the PaaS runs it: a separate process, configured by environment. */
function startServer(env: Record<string, string>): ChildProcess {
  const clean = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  return spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let text = '';
  for await (const chunk of stream ?? []) text += String(chunk);
  return text;
}

describe('The server process', function () {
  this.timeout(30_000);
  let dataDir: string;

  beforeEach(function () {
    dataDir = mkdtempSync(path.join(tmpdir(), 'client-area-server-'));
  });

  afterEach(function () {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start in production without its stores, naming what is missing', async function () {
    const server = startServer({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) });
    const [stderr, [code]] = await Promise.all([collect(server.stderr), once(server, 'exit')]);

    assert.equal(code, 78);
    assert.match(
      stderr,
      /Missing required environment variable\(s\) for production: MONGODB_URI, REDIS_URL\./,
    );
  });

  it('starts on the embedded default, says which stores, and stops cleanly on SIGTERM', async function () {
    const server = startServer({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const lines = createInterface({ input: server.stdout as NodeJS.ReadableStream });
    const logged: Record<string, unknown>[] = [];
    let port = 0;

    for await (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logged.push(entry);
      if (entry.event === 'server.listening') {
        port = entry.port as number;
        break;
      }
    }

    const stores = logged.find((entry) => entry.event === 'server.stores');
    assert.match(
      String(stores?.stores),
      /accounts in SQLite under .*embedded default.*sessions in process memory/,
    );
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const login = await fetch(`http://127.0.0.1:${port}/login`);
    assert.match(await login.text(), /Sign in/);

    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');
    assert.equal(code, 0);
  });

  it('on SIGTERM finishes a request in flight, closes its connection and exits at once', async function () {
    const server = startServer({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const port = await listeningPort(server);
    const agent = new http.Agent({ keepAlive: true });
    const body = 'email=slow%40example.com&password=typed+slowly';
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/login',
      agent,
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': body.length,
      },
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));

    server.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const responded = once(request, 'response');
    request.end(body.slice(10));
    const [response] = (await responded) as [http.IncomingMessage];
    response.resume();
    const finishedAt = Date.now();
    const [code] = await once(server, 'exit');

    assert.equal(response.statusCode, 403, 'the request was answered (no CSRF token)');
    assert.equal(response.headers.connection, 'close');
    assert.equal(code, 0);
    assert.ok(Date.now() - finishedAt < 3_000, 'no wait for the keep-alive timeout');
    agent.destroy();
  });
});

async function listeningPort(server: ChildProcess): Promise<number> {
  const lines = createInterface({ input: server.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.event === 'server.listening') {
      lines.close();
      server.stdout?.resume();
      return entry.port as number;
    }
  }
  throw new Error('the server never said it was listening');
}
