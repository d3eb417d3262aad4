import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  deleteClueImport,
  findClueImportByHash,
  insertClueImport,
  setClueImportWorkflow,
  type ClueImportRow,
} from '../../db/queries/clue-imports';
import { UnavailableError, ValidationError } from '../errors';
import { importRowsFromCheckpoint, type ImportDeps } from './import-rows';
import { notXlsx, readSheetRows } from './read-sheet';

/** Files of at most this many data rows are imported within the upload request; larger ones by a workflow. */
export const DIRECT_IMPORT_MAX_ROWS = 500;
/** Largest upload accepted: about 400,000 rows of the template's columns. */
export const CLUE_IMPORT_MAX_BYTES = 50 * 1024 * 1024;
const FILE_NAMESPACE = 'clue-imports';
/** Every .xlsx is a zip archive, which starts with a local file header. */
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export interface ImportWorkflowStarter {
  /** Starts (or joins) the import's workflow; resolves with its workflow id. */
  start(clueImport: { id: string; fileName: string }): Promise<string>;
}

export interface UploadedImport {
  import: ClueImportRow;
  /** The same file was uploaded before: this is that import, nothing new was stored. */
  reused: boolean;
}

/** Rows of the file up to `limit + 1` (stops reading there); refuses what is not a usable template. */
async function countRowsUpTo(bytes: Buffer, limit: number): Promise<number> {
  let rows = 0;
  for await (const row of readSheetRows(Readable.from(bytes))) {
    void row;
    if (++rows > limit) break;
  }
  return rows;
}

/**
 * Takes an uploaded spreadsheet of clues. The same bytes uploaded again answer the earlier import
 * (a direct import interrupted by a crash is continued then). A new file is checked (a workbook
 * with the template's required columns and at least one row), stored in the file store and
 * recorded; up to DIRECT_IMPORT_MAX_ROWS rows are imported before this resolves (the clues queued
 * for distribution at once: the caller notifies the dispatcher), more by the import workflow.
 */
export async function uploadClueImport(
  deps: ImportDeps & { workflows: ImportWorkflowStarter },
  upload: { bytes: Buffer; filename: string },
  actor: string,
): Promise<UploadedImport> {
  const { bytes } = upload;
  if (bytes.length === 0) throw ValidationError.field('file', 'must not be an empty file', 'rule.fileNotEmpty');
  if (bytes.length < ZIP_MAGIC.length || !bytes.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) throw notXlsx();
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const earlier = await findClueImportByHash(deps.db, sha256);
  if (earlier) return { import: await continueDirect(deps, earlier), reused: true };

  const rows = await countRowsUpTo(bytes, DIRECT_IMPORT_MAX_ROWS);
  if (rows === 0) throw ValidationError.field('file', 'has no data rows below the header', 'rule.importNoRows');
  const fileKey = `${FILE_NAMESPACE}/${sha256}.xlsx`;
  if (!(await deps.files.exists(fileKey))) await deps.files.put(fileKey, bytes);

  const direct = rows <= DIRECT_IMPORT_MAX_ROWS;
  const inserted = await insertClueImport(deps.db, {
    contentSha256: sha256,
    fileKey,
    fileName: upload.filename.slice(0, 255) || `${sha256.slice(0, 16)}.xlsx`,
    fileSize: bytes.length,
    mode: direct ? 'direct' : 'workflow',
    workflowId: null,
    cuser: actor,
  });
  if (!inserted) {
    // The same file, uploaded at the same moment by another request: that one imports it.
    const winner = await findClueImportByHash(deps.db, sha256);
    if (!winner) throw new Error(`clue import of ${sha256} vanished`);
    return { import: winner, reused: true };
  }
  if (direct) {
    const { import: done } = await importRowsFromCheckpoint(deps, inserted.id, { distributionState: 'pending' });
    return { import: done, reused: false };
  }
  try {
    const workflowId = await deps.workflows.start({ id: inserted.id, fileName: inserted.file_name });
    await setClueImportWorkflow(deps.db, inserted.id, workflowId);
    return { import: { ...inserted, workflow_id: workflowId }, reused: false };
  } catch (error) {
    // Nothing was imported yet: forgetting the record lets the same file be uploaded again later.
    await deleteClueImport(deps.db, inserted.id);
    throw new UnavailableError(
      `the import workflow could not be started; upload the file again later: ${(error as Error).message}`,
      'CLUE_IMPORT_NOT_STARTED',
    );
  }
}

/** A direct import left running by a process that stopped mid-request is finished by the next upload of its file. */
async function continueDirect(deps: ImportDeps, clueImport: ClueImportRow): Promise<ClueImportRow> {
  if (clueImport.mode !== 'direct' || clueImport.status !== 'running') return clueImport;
  return (await importRowsFromCheckpoint(deps, clueImport.id, { distributionState: 'pending' })).import;
}
