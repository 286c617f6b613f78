// Events the runner emits; reporters (progress, recap, JSON) consume them. Library code never prints.
import type { TaskResult, Outcome, UnreachableReason } from './outcome.js';

export type RunEvent =
  | { type: 'run-start'; runId: string; playbook: string; hosts: string[]; check: boolean; at: string }
  | { type: 'play-start'; play: number; name: string; hosts: string[] }
  | { type: 'task-start'; host: string; play: number; task: number; name: string }
  | { type: 'task-end'; result: TaskResult }
  | { type: 'command'; host: string; command: string; phase: string }
  | { type: 'host-done'; host: string; outcome: Outcome }
  | { type: 'unreachable'; host: string; reason: UnreachableReason; message: string }
  | { type: 'warning'; message: string; host?: string }
  | { type: 'run-end'; at: string; interrupted: boolean };

export interface EventSink {
  emit(event: RunEvent): void;
  /** called once when the run is over; sinks flush files here */
  close?(): Promise<void> | void;
}
