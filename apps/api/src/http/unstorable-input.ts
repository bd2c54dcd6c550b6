// Refuses input PostgreSQL cannot store, nested too deep to validate, with reserved keys or with whole numbers JSON
// cannot carry exactly, right after parsing: before guards, pipes and the request transaction, so neither the handler
// nor the audit row ever sees it. Runs for every Nest route.
import type { FastifyRequest } from 'fastify';
import {
  CommonException,
  InputProblem,
  MAX_INPUT_DEPTH,
  RefusedInputKind,
  findRefusedInput,
  formatInputPath,
} from '@conduit/platform';

function refusal(problem: InputProblem<RefusedInputKind>, root: string): CommonException {
  const field = formatInputPath(problem.path) || root;
  let message: string;
  switch (problem.kind) {
    case 'nul_character':
      message = `${field} contains a NUL character (\\u0000), which cannot be stored`;
      break;
    case 'unpaired_surrogate':
      message = `${field} contains an unpaired UTF-16 surrogate, which is not valid Unicode text`;
      break;
    case 'number_out_of_range':
      message = `${field} is a number beyond the range of a double (about 1.8e308), which would be stored as null`;
      break;
    case 'reserved_key':
      message = `${field}: __proto__, constructor and prototype are not accepted as keys, at any depth (validation would drop them silently, and in stored JSON they endanger whoever merges it)`;
      break;
    case 'unsafe_integer':
      message = `${field} is a whole number beyond 2^53 - 1 (9007199254740991), which a JSON number cannot hold exactly, so what is stored and delivered would not be what was sent: send it as a string`;
      break;
    case 'too_deep':
      message = `${root === 'body' ? 'Request body' : field} is nested more than ${MAX_INPUT_DEPTH} levels deep`;
      break;
  }
  return CommonException.validation(message, [{ field, message }]);
}

/**
 * 400 validation_failed for the first refused path parameter, query value, or body value or key (see findRefusedInput);
 * else null.
 */
export function unstorableInputError(request: FastifyRequest): CommonException | null {
  // No route: Nest's 404, whatever the request carries.
  if (request.routeOptions.url === undefined) return null;
  const params = findRefusedInput(request.params);
  if (params) return refusal(params, 'path');
  const query = findRefusedInput(request.query);
  if (query) return refusal(query, 'query');
  // Bodies of other content types are kept as bytes (see bootstrap.ts); only parsed ones are walked.
  const body: unknown = request.body;
  if (ArrayBuffer.isView(body)) return null;
  const problem = findRefusedInput(body);
  return problem ? refusal(problem, 'body') : null;
}
