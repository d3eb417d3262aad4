import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  bundleCacheFiles,
  readCachedBundle,
  temporalSdkVersion,
  type WorkflowBundleManifest,
} from '../../src/temporal/workflow-bundle';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the workflow bundle cache', () => {
  let dir: string;
  let sources: string;
  let workflowsPath: string;
  let manifest: WorkflowBundleManifest;
  const code = 'var __TEMPORAL__ = {};';

  /** A cache entry as the builder leaves it: the bundle and the hashes of what webpack read. */
  function writeEntry(overrides: Partial<WorkflowBundleManifest> = {}): void {
    const files = bundleCacheFiles(dir, workflowsPath, temporalSdkVersion());
    writeFileSync(files.bundle, code);
    manifest = {
      workflowsPath,
      sdkVersion: temporalSdkVersion(),
      bundleFile: files.bundle,
      bundleSha256: sha256(code),
      files: {
        [workflowsPath]: sha256('export * from "./a";'),
        [path.join(sources, 'a.ts')]: sha256('export async function a() {}'),
      },
      missing: [path.join(sources, 'a.js')],
      ...overrides,
    };
    writeFileSync(files.manifest, JSON.stringify(manifest));
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
    sources = path.join(dir, 'src');
    mkdirSync(sources);
    workflowsPath = path.join(sources, 'index.ts');
    writeFileSync(workflowsPath, 'export * from "./a";');
    writeFileSync(path.join(sources, 'a.ts'), 'export async function a() {}');
    writeEntry();
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the bundle while every file webpack read is unchanged', () => {
    expect(readCachedBundle(dir, workflowsPath)).toBe(code);
  });

  it('misses when a file webpack read changed', () => {
    writeFileSync(path.join(sources, 'a.ts'), 'export async function a() { return 1; }');
    expect(readCachedBundle(dir, workflowsPath)).toBeUndefined();
  });

  it('misses when a file webpack read is gone', () => {
    rmSync(path.join(sources, 'a.ts'));
    expect(readCachedBundle(dir, workflowsPath)).toBeUndefined();
  });

  it('misses when a path webpack looked for and did not find exists now', () => {
    writeFileSync(path.join(sources, 'a.js'), 'exports.a = 1;');
    expect(readCachedBundle(dir, workflowsPath)).toBeUndefined();
  });

  it('misses when the bundle file is not the one the manifest describes', () => {
    writeFileSync(manifest.bundleFile, `${code}\n// another build`);
    expect(readCachedBundle(dir, workflowsPath)).toBeUndefined();
  });

  it('misses for another SDK version or another workflows entry', () => {
    writeEntry({ sdkVersion: '0.0.1' });
    expect(readCachedBundle(dir, workflowsPath)).toBeUndefined();
    expect(readCachedBundle(dir, path.join(sources, 'other.ts'))).toBeUndefined();
  });

  it('misses when there is no cache entry', () => {
    expect(readCachedBundle(path.join(dir, 'empty'), workflowsPath)).toBeUndefined();
  });
});
