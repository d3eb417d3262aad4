/**
 * Child process of loadWorkflowBundle: bundles the workflows with the SDK's webpack setup and
 * writes the bundle and its manifest (the files webpack read, hashed) into the cache directory.
 * Usage: workflow-bundle-build <workflowsPath> <cacheDir>
 */
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { bundleCacheFiles, temporalSdkVersion, type WorkflowBundleManifest } from './workflow-bundle';

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];
interface DoneStats {
  compilation: { fileDependencies: Iterable<string>; missingDependencies: Iterable<string> };
}
interface CompilerLike {
  hooks: { done: { tap(name: string, fn: (stats: DoneStats) => void): void } };
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Written beside the target and renamed over it, so a reader never sees half a file. */
function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

async function main(workflowsPath: string, cacheDir: string): Promise<void> {
  let inputs: { files: string[]; missing: string[] } | undefined;
  const recordInputs = {
    apply(compiler: CompilerLike) {
      compiler.hooks.done.tap('RecordBundleInputs', (stats) => {
        inputs = {
          files: [...stats.compilation.fileDependencies],
          missing: [...stats.compilation.missingDependencies],
        };
      });
    },
  };
  const quiet = (message: string) => void message;
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    // webpack's summary is logged at info; warnings and errors still reach stderr.
    logger: {
      log: quiet,
      trace: quiet,
      debug: quiet,
      info: quiet,
      warn: (message: string) => console.error(message),
      error: (message: string) => console.error(message),
    },
    webpackConfigHook: (config: WebpackConfig) => ({
      ...config,
      plugins: [...(config.plugins ?? []), recordInputs as never],
    }),
  });
  if (!inputs) throw new Error('webpack did not report the files it read');
  const files: Record<string, string> = {};
  for (const file of inputs.files.sort()) {
    try {
      files[file] = sha256(readFileSync(file));
    } catch {
      // The generated entrypoint lives in webpack's memory file system only.
    }
  }
  const sdkVersion = temporalSdkVersion();
  const target = bundleCacheFiles(cacheDir, workflowsPath, sdkVersion);
  const manifest: WorkflowBundleManifest = {
    workflowsPath,
    sdkVersion,
    bundleFile: target.bundle,
    bundleSha256: sha256(code),
    files,
    missing: inputs.missing.sort(),
  };
  writeAtomically(target.bundle, code);
  writeAtomically(target.manifest, JSON.stringify(manifest));
}

const [workflowsPath, cacheDir] = process.argv.slice(2);
if (!workflowsPath || !cacheDir) {
  console.error('usage: workflow-bundle-build <workflowsPath> <cacheDir>');
  process.exit(2);
}
main(workflowsPath, cacheDir).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
