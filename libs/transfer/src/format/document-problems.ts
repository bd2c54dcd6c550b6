// One problem with an import document, as it goes into a TransferException's `details`: where (a JSON pointer into
// the document as received, "" for the whole), a stable code and a message.
import { ErrorDetail } from '@conduit/platform';
import { MAX_REPORTED_PROBLEMS } from './document-limits';

export interface DocumentProblem extends ErrorDetail {
  field: string;
  code: string;
  message: string;
}

/** RFC 6901: "/apps/0/tasks/2/task_tag"; "" is the document itself. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((step) => `/${String(step).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** At most MAX_REPORTED_PROBLEMS, then one entry saying how many more there were. */
export function reported(problems: DocumentProblem[]): DocumentProblem[] {
  if (problems.length <= MAX_REPORTED_PROBLEMS) return problems;
  const more = problems.length - MAX_REPORTED_PROBLEMS;
  return [
    ...problems.slice(0, MAX_REPORTED_PROBLEMS),
    { field: '', code: 'more_problems', message: `${more} more problems not listed` },
  ];
}
