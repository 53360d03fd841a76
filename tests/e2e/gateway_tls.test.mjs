// hearth gateway in front of an https "cloud" end to end: a Node https
// server with a self-signed certificate made by the openssl CLI at test
// time, the gateway trusting it through ca_file, driven by the official
// openai client (plain and streamed, audited, the cloud's key delivered);
// the same cloud without ca_file fails closed before any request byte
// leaves, and tls_verify = false is warned about at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binary } from './server.mjs';
import { fakeCloud, launchGateway, listenOn, client, metric } from './gateway_helpers.mjs';

const procs = [];
const servers = [];
let tmp;
let cloud; // { url, seen, bodies, tcp: connections accepted, secure: TLS handshakes completed }

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-gw-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(tmp, 'cloud.key'), '-out', path.join(tmp, 'cloud.pem')], { stdio: 'ignore' });
  const fake = fakeCloud();
  const server = https.createServer({ key: fs.readFileSync(path.join(tmp, 'cloud.key')),
    cert: fs.readFileSync(path.join(tmp, 'cloud.pem')) }, fake.handler);
  cloud = { ...fake, tcp: 0, secure: 0 };
  server.on('connection', () => { cloud.tcp++; });
  server.on('secureConnection', () => { cloud.secure++; });
  cloud.url = `https://127.0.0.1:${await listenOn(server, servers)}/v1`;
  fs.writeFileSync(path.join(tmp, 'prices.json'),
    JSON.stringify({ prices: [{ name: 'gpt-x', input_per_million: 1, output_per_million: 1 }] }));
});

after(() => {
  for (const p of procs) p.kill('SIGKILL');
  for (const s of servers) s.closeAllConnections?.(), s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A gateway whose one upstream is the https cloud (every model goes there).
function gateway(name, tls) {
  const conf = `listen = "127.0.0.1:0"\n[health]\nconnect_timeout = 2\n` +
    `[[clouds]]\nname = "secure"\nurl = "${cloud.url}"\napi_key_env = "BURST_KEY"\n${tls}` +
    `[[routes]]\nmodel = "*"\ncloud = "always"\n[audit]\npath = "${path.join(tmp, `${name}.jsonl`)}"\nprices = "${path.join(tmp, 'prices.json')}"\n`;
  return launchGateway({ dir: tmp, procs }, name, conf);
}
const ask = (gw, extra = {}) => client(gw).chat.completions.create({ model: 'gpt-x', max_tokens: 4,
  messages: [{ role: 'user', content: 'hello over tls' }], ...extra });

test('ca_file: plain and streamed answers come through TLS, with the key, and are audited', async () => {
  const gw = await gateway('trusted', `ca_file = "${path.join(tmp, 'cloud.pem')}"\n`);
  const before = cloud.seen.length;
  const answer = await ask(gw);
  assert.equal(answer.choices[0].message.content, 'cloud says hi to gpt-x');
  let text = '';
  for await (const ch of await ask(gw, { stream: true })) text += ch.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'cloud says hi to gpt-x');
  // The cloud answered only requests carrying its key (401 otherwise), over TLS.
  assert.deepEqual(cloud.seen.slice(before), Array(2).fill({ path: '/v1/chat/completions', model: 'gpt-x' }));
  assert.ok(cloud.secure >= 1);
  // A later request reused the kept-alive TLS connection (it goes back to the pool just
  // after the reply is delivered, hence a third request: not a race on the second alone).
  assert.equal((await ask(gw)).choices[0].message.content, 'cloud says hi to gpt-x');
  assert.ok(await metric(gw, 'hearth_gateway_upstream_requests_total{connection="reused"}') >= 1);

  const log = path.join(tmp, 'trusted.jsonl');
  const verify = spawnSync(binary, ['audit', 'verify', log]);
  assert.equal(verify.status, 0, String(verify.stderr));
  const q = JSON.parse(execFileSync(binary, ['audit', 'query', log, '--json']));
  assert.deepEqual(q.records.map((r) => [r.type, r.cloud, r.outcome ?? '']),
    Array(3).fill([['request', 'secure', ''], ['completion', 'secure', 'ok']]).flat());
});

test('without ca_file the self-signed cloud is refused: 502 naming the certificate failure, no request byte sent', async () => {
  const gw = await gateway('untrusted', '');
  const before = { seen: cloud.seen.length, tcp: cloud.tcp, secure: cloud.secure };
  await assert.rejects(ask(gw), (e) => e.status === 502 && e.error?.code === 'upstream_failed' &&
    /TLS handshake with https:\/\/127\.0\.0\.1:\d+ failed: certificate verify failed: self-signed certificate/.test(e.message) &&
    /\(cloud secure\)/.test(e.message));
  await assert.rejects(ask(gw, { stream: true }), (e) => e.status === 502);
  assert.ok(cloud.tcp > before.tcp, 'the gateway did connect');
  assert.equal(cloud.secure, before.secure, 'no TLS session was established');
  assert.equal(cloud.seen.length, before.seen, 'no request reached the cloud');
  // Audited as sent-and-failed (the audit record is written before any byte goes out).
  const q = JSON.parse(execFileSync(binary, ['audit', 'query', path.join(tmp, 'untrusted.jsonl'), '--json']));
  assert.ok(q.records.some((r) => r.type === 'completion' && r.outcome !== 'ok'), JSON.stringify(q.records));
});

test('tls_verify = false works and is warned about at start', async () => {
  const started = gateway('unverified', 'tls_verify = false\n');
  const gw = await started;
  assert.match(started.log(), /WARNING: cloud "secure" \(https:\/\/127\.0\.0\.1:\d+\) has tls_verify = false: its certificate is NOT checked/);
  assert.equal((await ask(gw)).choices[0].message.content, 'cloud says hi to gpt-x');
});
