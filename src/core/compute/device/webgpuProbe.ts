import { spawn } from 'node:child_process';
import { encodeModel } from '../onnx/onnxModel';
import { probeGraph } from '../onnx/float32Graphs';
import { loadOrt } from '../ort/runtime';

/** Whether a device can run here, and why not when it cannot. */
export type DeviceAvailability = { readonly available: true } | { readonly available: false; readonly reason: string };

/**
 * How long a probe may take before it counts as hung. Dawn enumerates adapters in well under a
 * second where it works and where it finds none (0.2 s without a Vulkan loader); a driver that
 * hangs never answers, so the bound only has to be far above the normal case.
 */
export const WEBGPU_PROBE_TIMEOUT_MS = 20_000;

/**
 * The child's program: load onnxruntime-node, create a session on the WebGPU provider alone
 * (CPU fallback disabled, so a session that exists really runs on WebGPU) and run a 2×2 MatMul
 * whose answer it checks. It prints one JSON line; anything else it writes (Dawn's warnings)
 * goes to stderr. The model travels as base64 so the child needs nothing of this bundle.
 */
const CHILD = `
const [ortPath, model] = process.argv.slice(-2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
(async () => {
  const ort = require(ortPath);
  ort.env.logLevel = 'fatal';
  const session = await ort.InferenceSession.create(Buffer.from(model, 'base64'), {
    executionProviders: ['webgpu'], logSeverityLevel: 4, extra: { session: { disable_cpu_ep_fallback: '1' } },
  });
  const t = (v) => new ort.Tensor('float32', Float32Array.from(v), [2, 2]);
  const { C } = await session.run({ A: t([1, 2, 3, 4]), B: t([0, 1, 1, 0]) });
  const ok = [2, 1, 4, 3].every((v, i) => C.data[i] === v);
  say(ok ? { available: true } : { available: false, reason: 'a 2x2 product on WebGPU came back wrong' });
})().catch((e) => say({ available: false, reason: String((e && e.message) || e).split('\\n')[0] }));
`;

/** What ran the probe: its stdout's last line, stderr, and how it ended. */
export interface ProbeExit {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
}

/**
 * Probes WebGPU in a child process, never in this one: creating a WebGPU session can abort the
 * process (a driver's assertion) or hang in adapter enumeration, and neither may take down the
 * CLI or the extension host. The child is killed past `timeoutMs`; the answer always comes.
 */
export async function probeWebGpu(timeoutMs = WEBGPU_PROBE_TIMEOUT_MS): Promise<DeviceAvailability> {
  let ortPath: string;
  try {
    ortPath = require.resolve('onnxruntime-node');
  } catch {
    return { available: false, reason: 'onnxruntime-node is not installed' };
  }
  const model = Buffer.from(encodeModel(probeGraph())).toString('base64');
  return probeOutcome(await runChild(['-e', CHILD, ortPath, model], timeoutMs), timeoutMs);
}

/** Runs this Node (or Electron as Node) with `args`, killing it past `timeoutMs`; always resolves. */
export function runChild(args: readonly string[], timeoutMs: number): Promise<ProbeExit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-8192)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8192)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: `${stderr}${error.message}`, code: null, signal: null, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal, timedOut });
    });
  });
}

/**
 * The probe's answer from how its child ended: the child's own verdict when it printed one,
 * with Dawn's first warning added to a refusal (it names the missing piece, e.g. the Vulkan
 * loader); else a timeout or a crash, in words.
 */
export function probeOutcome(exit: ProbeExit, timeoutMs = WEBGPU_PROBE_TIMEOUT_MS): DeviceAvailability {
  if (exit.timedOut) return { available: false, reason: `the WebGPU probe did not answer in ${timeoutMs / 1000} s and was stopped` };
  const verdict = lastJsonLine(exit.stdout);
  const warning = firstLine(exit.stderr.replace(/^Warning:\s*/m, ''));
  if (verdict?.available === true) return { available: true };
  if (verdict && typeof verdict.reason === 'string') return { available: false, reason: warning ? `${shorten(verdict.reason)} (${warning})` : shorten(verdict.reason) };
  const how = exit.signal ? `was ended by ${exit.signal}` : `exited with status ${exit.code}`;
  return { available: false, reason: `the WebGPU probe ${how}${warning ? `: ${warning}` : ''}` };
}

function lastJsonLine(text: string): { available?: unknown; reason?: unknown } | undefined {
  const line = text.trim().split('\n').pop();
  if (!line) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as { available?: unknown; reason?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}

/** ORT's messages start with a source path and a failed condition; the sentence after them is the reason. */
function shorten(reason: string): string {
  const sentence = /(?:was false\.|failed\.)\s*(.+)$/.exec(reason);
  return (sentence ? sentence[1] : reason).slice(0, 300);
}

/**
 * Whether this onnxruntime-node build bundles the WebGPU provider (1.30 does on Linux x64,
 * Windows and macOS); null when the build cannot say (no listSupportedBackends).
 */
export function webGpuBundled(): boolean | null {
  try {
    const backends = loadOrt().listSupportedBackends?.();
    return backends ? backends.some((b) => b.name === 'webgpu' && b.bundled) : null;
  } catch {
    return false;
  }
}

let cached: Promise<DeviceAvailability> | undefined;

/** The probe, run once per process (an adapter does not come and go during one command). */
export function webGpuAvailability(): Promise<DeviceAvailability> {
  cached ??=
    webGpuBundled() === false ? Promise.resolve({ available: false, reason: 'provider not installed: this onnxruntime-node build bundles no WebGPU provider' }) : probeWebGpu();
  return cached;
}
