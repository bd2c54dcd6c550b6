// Known to every layer, so that code which merely passes a failed enqueue along (an after-commit callback, a
// reconciler) can tell "Redis is away, the rows wait for the reconcilers" from a bug without depending on the queues
// library.
import { CodedError } from './coded-error';

/** Redis did not take a command: it is away, or did not answer in time. The outage itself is logged once elsewhere. */
export class QueueUnavailableError extends CodedError<'queue_unavailable'> {
  readonly code = 'queue_unavailable';
}
