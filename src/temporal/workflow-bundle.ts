import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What a bundle was built from: every file webpack read with its SHA-256, and the paths it looked
 * for and did not find (a file created there later could change what an import resolves to).
 */
export interface WorkflowBundleManifest {
  workflowsPath: string;
  sdkVersion: string;
  bundleFile: string;
  bundleSha256: string;
  files: Record<string, string>;
  missing: string[];
}

/** The SDK's version is part of the cache key: its bundler writes the bundle's entrypoint itself. */
export function temporalSdkVersion(): string {
  const manifest = readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** File names of the cache of one (workflows entry, SDK version): a checkout's bundle never serves another's. */
export function bundleCacheFiles(cacheDir: string, workflowsPath: string, sdkVersion: string) {
  const key = sha256(`${workflowsPath}\n${sdkVersion}`).slice(0, 16);
  return {
    manifest: path.join(cacheDir, `workflows-${key}.json`),
    bundle: path.join(cacheDir, `workflows-${key}.js`),
  };
}

function fileSha256(file: string): string | undefined {
  try {
    return sha256(readFileSync(file));
  } catch {
    return undefined;
  }
}

/** The cached bundle's code when every input is as it was when it was built; undefined otherwise. */
export function readCachedBundle(cacheDir: string, workflowsPath: string): string | undefined {
  const sdkVersion = temporalSdkVersion();
  const files = bundleCacheFiles(cacheDir, workflowsPath, sdkVersion);
  let manifest: WorkflowBundleManifest;
  try {
    manifest = JSON.parse(readFileSync(files.manifest, 'utf8')) as WorkflowBundleManifest;
  } catch {
    return undefined;
  }
  if (manifest.workflowsPath !== workflowsPath || manifest.sdkVersion !== sdkVersion) return undefined;
  for (const [file, hash] of Object.entries(manifest.files)) {
    if (fileSha256(file) !== hash) return undefined;
  }
  if (manifest.missing.some((file) => existsSync(file))) return undefined;
  let code: string;
  try {
    code = readFileSync(manifest.bundleFile, 'utf8');
  } catch {
    return undefined;
  }
  // A bundle replaced by another process's build after this manifest was read.
  return sha256(code) === manifest.bundleSha256 ? code : undefined;
}

/** The builder's entry file next to this one: .ts under tsx, .js once compiled. */
const builderEntry = () => path.join(__dirname, `workflow-bundle-build${path.extname(__filename)}`);

/**
 * Runs webpack in a child process of its own (same Node flags, so the tsx loader too) and waits
 * for it: webpack's memory (hundreds of MiB at its peak, much of it kept by the process that ran
 * it) then never counts against the worker.
 */
function buildInChildProcess(cacheDir: string, workflowsPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      // A debugger flag would make the builder wait on (or fight for) the worker's inspector port.
      [...process.execArgv.filter((flag) => !/^--(inspect|debug)/.test(flag)), builderEntry(), workflowsPath, cacheDir],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`building the workflow bundle failed: ${error.message}\n${stderr.slice(-4000)}`));
        else resolve();
      },
    );
  });
}

export interface WorkflowBundleSource {
  code: string;
  /** 'cached': read from the cache; 'built': built now and cached; 'built-uncached': built, but its manifest does not validate. */
  origin: 'cached' | 'built' | 'built-uncached';
}

/**
 * The workflow bundle of `workflowsPath`: from the cache in `cacheDir` when none of its inputs
 * changed, else built in a child process (and cached). Pass the code as Worker.create's
 * `workflowBundle: { code }`.
 */
export async function loadWorkflowBundle(cacheDir: string, workflowsPath: string): Promise<WorkflowBundleSource> {
  const dir = path.resolve(cacheDir);
  const cached = readCachedBundle(dir, workflowsPath);
  if (cached !== undefined) return { code: cached, origin: 'cached' };
  mkdirSync(dir, { recursive: true });
  await buildInChildProcess(dir, workflowsPath);
  const built = readCachedBundle(dir, workflowsPath);
  if (built !== undefined) return { code: built, origin: 'built' };
  // Still the bundle of these sources: the cache just will not serve it next time.
  const { bundle } = bundleCacheFiles(dir, workflowsPath, temporalSdkVersion());
  return { code: readFileSync(bundle, 'utf8'), origin: 'built-uncached' };
}
