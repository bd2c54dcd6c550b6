// How one check moves a monitor's state, and which event (if any) that publishes. Pure: the checker applies it under
// the monitor's row lock, in the transaction that stores the check and publishes the event.
import type { MonitorStatus } from './entities/monitor.entity';

export type MonitorEventName = 'monitor.down' | 'monitor.up';

export interface MonitorState {
  status: MonitorStatus;
  consecutive_failures: number;
}

export interface Transition extends MonitorState {
  /** Published once per change: down on reaching the threshold, up on the first success after a down. */
  event: MonitorEventName | null;
}

export function applyCheck(previous: MonitorState, ok: boolean, failureThreshold: number): Transition {
  if (ok) {
    return { status: 'up', consecutive_failures: 0, event: previous.status === 'down' ? 'monitor.up' : null };
  }
  const failures = previous.consecutive_failures + 1;
  if (previous.status === 'down') return { status: 'down', consecutive_failures: failures, event: null };
  if (failures >= failureThreshold) return { status: 'down', consecutive_failures: failures, event: 'monitor.down' };
  // Below the threshold the status stays what it was (up, or unknown before the first success).
  return { status: previous.status, consecutive_failures: failures, event: null };
}
