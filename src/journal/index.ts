// Public surface of the journal layer: state dir, writer, readers, plans, controller lock.
export * from './types.js';
export { resolveStateDir, checkStateDir } from './state-dir.js';
export { JournalWriter, processIdentity, runDir, JOURNAL_FILE, SUMMARY_FILE, type WriterOptions } from './writer.js';
export { nodeJournalFs, type JournalFs, type JournalFile } from './fs-layer.js';
export { Redactor, itemKey, MASK, OUTPUT_CAP } from './redact.js';
export { readJournal, listRuns, runSummary, showRun, resolveRunId, childRuns, journalPath, pidAlive, runAlive, type JournalRead, type RunView, type HostView, type TaskView } from './reader.js';
export { foldAttempts, stepKey, summarize, type Attempt } from './status.js';
export { rollbackPlan, resumeState, type RollbackPlan, type RollbackStep, type ResumeState, type ResumeStep, type PlanFilter } from './plan.js';
export { acquireLock, readLock, type Lock, type LockOwner } from './lock.js';
