// The worker's workflow bundle entry: every workflow type the task queue serves.
export { distributeClue } from './distribute-clue';
export { publishAcqLinkWorkflow } from './publish-acq-link';
export { refreshMaterialMediaWorkflow } from './refresh-material-media';
export { processWecomEvent } from './process-wecom-event';
export { wecomFullSync } from './wecom-full-sync';
export { transferCustomersWorkflow } from './transfer-customers';
export { importCluesWorkflow } from './import-clues';
export { mergeCluesWorkflow } from './merge-clues';
