// Starts `hearth serve` for a test file and stops it afterwards.
//   HEARTH_BINARY: the built hearth binary (set by ctest; default build/hearth)
//   HEARTH_MODEL:  the model to serve (default: the built-in stories260K)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binary = process.env.HEARTH_BINARY ?? path.join(repo, 'build/hearth');
export const modelPath = process.env.HEARTH_MODEL ?? path.join(repo, 'models/stories260K.gguf');
// A random-weight test model (never ends a generation by itself).
export const tinyModelPath = path.join(repo, 'tests/data/tiny/tiny-llama-Q8_0.gguf');

// SIGTERM, then the exit awaited for at most 20 s: a server that does not
// exit fails the test with its log (and is killed) instead of hanging the
// whole suite until ctest's timeout, which keeps no output.
function stopChild(child, log) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hearth serve did not exit within 20 s of SIGTERM:\n${log()}`));
    }, 20000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.stopping = true;
    child.kill('SIGTERM');
  });
}

// Runs hearth with args; resolves once it logs the address it serves on
// (port 0: the system picks a free port, read back from the log line).
// model null: none on the command line (e.g. with --models-dir in extraArgs).
export function startServer(extraArgs = [], model = modelPath) {
  const child = spawn(binary, ['serve', ...(model ? [model] : []), '--port', '0', '--threads', '2', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`hearth serve did not start:\n${log}`)); }, 20000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/on http:\/\/([^:\s]+):(\d+)/);
      if (m) {
        clearTimeout(timer);
        // a server that dies under a test says how, with its log
        child.once('exit', (code, signal) => {
          if (!child.stopping) process.stderr.write(`hearth serve exited (code ${code}, signal ${signal}):\n${log}\n`);
        });
        resolve({
          url: `http://${m[1]}:${m[2]}`,
          log: () => log,
          stop: () => stopChild(child, () => log),
          child,
        });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`hearth serve exited (${code}):\n${log}`)); });
  });
}

// Runs hearth with args to completion: { code, stderr }.
export function runHearth(args) {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

// The number of tokens `hearth tokenize` gives for text on the served model.
export function tokenCount(text, model = modelPath) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['tokenize', model, text, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out).n_tokens) : reject(new Error(err))));
  });
}
