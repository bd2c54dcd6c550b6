// What webhooks add to the permissions: subscriptions, events and deliveries. Webhook work is operational: analysts run
// it, viewers watch it.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Subscription: true;
    Event: true;
    Delivery: true;
  }
}

const operate: Grant = ({ can }, { acting }) => {
  can('manage', 'Subscription', acting);
  can(['create', 'read'], 'Event', acting);
  can(['read', 'update'], 'Delivery', acting);
};

registerAccess({
  scopes: { Subscription: 'subscriptions', Event: 'events', Delivery: 'deliveries' },
  roles: {
    platform_admin: NOTHING,
    mssp_admin: operate,
    tenant_admin: operate,
    analyst: operate,
    viewer: ({ can }, { acting }) => can('read', ['Subscription', 'Event', 'Delivery'], acting),
  },
});
