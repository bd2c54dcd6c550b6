// A wall-clock budget for evaluating a step's expressions. cel-js has parse limits but no evaluation cost limit, and
// a few nested macros over a list from the trigger data (or a backtracking regex in matches()) would block the
// worker's event loop for hours. Node's vm timeout runs a watchdog thread that interrupts whatever JavaScript is
// running when the time is up, the evaluator included; the watchdog costs ~0.2 ms, so expressions whose cost is
// bounded by their inputs (plain paths and comparisons) do not use it.
import { CodedError } from '@conduit/platform';
import { Script, createContext } from 'node:vm';

/** How long a step's condition and templates may evaluate, together. */
export const EVALUATION_BUDGET_MS = 250;

export class EvaluationBudgetError extends CodedError<'evaluation_budget_exceeded'> {
  readonly code = 'evaluation_budget_exceeded';

  constructor(budgetMs: number) {
    super(
      `evaluating the step's condition and templates took longer than ${budgetMs} ms (the evaluation budget); ` +
        'iterate smaller lists or nest fewer macros',
    );
  }
}

const runner = new Script('evaluate()');
const sandbox = createContext({ evaluate: undefined as (() => unknown) | undefined });

/** Runs fn (synchronous) and throws EvaluationBudgetError when it takes longer than the budget. Not reentrant. */
export function withinEvaluationBudget<T>(fn: () => T, budgetMs = EVALUATION_BUDGET_MS): T {
  sandbox.evaluate = fn;
  try {
    return runner.runInContext(sandbox, { timeout: budgetMs }) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new EvaluationBudgetError(budgetMs);
    throw err;
  } finally {
    sandbox.evaluate = undefined;
  }
}
