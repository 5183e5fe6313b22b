import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where test/integration/setup.sh put Node 24 and code-server (the same default as the script). */
export function toolsDir(): string {
  return process.env.LORA_LENS_TOOLS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lora-lens-e2e');
}

export interface CodeServer {
  readonly url: string;
  /** Ends code-server and everything it started (file watchers, extension hosts): its whole process group. */
  stop(): Promise<void>;
}

/** HOME and XDG folders inside `root`, so neither code-server nor Chromium writes to the real home. */
export function isolatedEnv(root: string): NodeJS.ProcessEnv {
  const tools = toolsDir();
  return {
    ...process.env,
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    XDG_CACHE_HOME: join(root, 'home', '.cache'),
    PATH: `${join(tools, 'node24', 'node_modules', 'node', 'bin')}:${process.env.PATH ?? ''}`,
  };
}

/** Settings that keep the workbench quiet and deterministic: no welcome page, trust prompt, updates or AI. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'loraLens.compute.device': 'cpu',
  // Between the two corpus adapters the tests open, so that one is analysed at once and one waits.
  'loraLens.analysis.maxAutoBytes': 3_000_000,
};

/** Installs the VSIX into a fresh user-data and extensions folder and starts code-server on `workspace`; `settings` override the defaults above. */
export async function startCodeServer(root: string, vsix: string, workspace: string, port: number, settings: Record<string, unknown> = {}): Promise<CodeServer> {
  const env = isolatedEnv(root);
  const userData = join(root, 'user-data');
  const extensions = join(root, 'extensions');
  await mkdir(join(userData, 'User'), { recursive: true });
  await mkdir(env.HOME as string, { recursive: true });
  await writeFile(join(userData, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  const bin = join(toolsDir(), 'cs', 'bin', 'code-server');
  const install = spawnSync(bin, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], { env, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`installing the VSIX failed: ${install.stderr || install.stdout}`);
  const args = [
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--ignore-last-opened',
    '--reconnection-grace-time',
    '5',
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensions,
    workspace,
  ];
  // Its own process group (detached = setsid), so that the whole group can be ended at once.
  const child = spawn(bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  child.stdout.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  const pgid = child.pid;
  const stop = async () => {
    if (pgid === undefined) return;
    signalGroup(pgid, 'SIGTERM');
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start:\n${logs.join('').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
