// A new user's first client: types generated from /docs-json by openapi-typescript (./conduit-api.js, written beside
// this file by test/e2e/api-contract.e2e-spec.ts), requests made by openapi-fetch. Usage: node <this, compiled>
// BASE_URL EMAIL PASSWORD. Prints what it read as JSON. Type-checked strictly, with nothing typed `any`.
import createClient from 'openapi-fetch';
import type { components, paths } from './conduit-api.js';

type Membership = components['schemas']['MeMembershipResponse'];

/** The body of a successful answer, or a thrown error naming the call and its status. */
function must<T>(call: string, result: { data?: T; response: Response }): T {
  if (result.data === undefined) throw new Error(`${call} answered ${result.response.status}`);
  return result.data;
}

const [baseUrl, email, password] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl });

const tokens = must('login', await client.POST('/api/v1/auth/login', { body: { email, password } }));
const headers = { authorization: `Bearer ${tokens.access_token}` };

const subscription = must(
  'create subscription',
  await client.POST('/api/v1/subscriptions', {
    headers,
    body: {
      app_name: 'billing-service',
      target_url: 'https://billing.example.com/hooks/conduit',
      event_types: ['order.*'],
      filter: { $and: [{ 'order.total': { $gte: 100 } }, { 'order.currency': { $in: ['EUR', 'USD'] } }] },
      headers: { 'X-Team': 'billing' },
      retry_schedule: [0, 5, 300, 1800],
    },
  }),
);
const retrySchedule: number[] = subscription.retry_schedule;

const event = must(
  'publish event',
  await client.POST('/api/v1/events', {
    headers,
    body: {
      event_name: 'order.created',
      payload: {
        order: { id: 'ord_123', total: 120, currency: 'EUR', lines: [{ sku: 'A-1', quantity: 2, tags: ['gift'] }] },
        customer: { id: 'cus_42', vip: true, address: null },
      },
    },
  }),
);

const me = must('who am I', await client.GET('/api/v1/auth/me', { headers }));
const memberships: Membership[] = me.memberships;

console.log(
  JSON.stringify({
    subscription: { id: subscription.id, filter: subscription.filter, retry_schedule: retrySchedule },
    event: { id: event.id, deliveries: event.deliveries },
    memberships: memberships.map(({ tenant_code, role }) => ({ tenant_code, role })),
  }),
);
