// What ingestion adds to the permissions: sources and inbound events; analysts run them, viewers watch them.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Source: true;
    InboundEvent: true;
  }
}

const operate: Grant = ({ can }, { acting }) => {
  can('manage', 'Source', acting);
  can(['read', 'update'], 'InboundEvent', acting);
};

registerAccess({
  scopes: { Source: 'sources', InboundEvent: 'inbound_events' },
  roles: {
    platform_admin: NOTHING,
    mssp_admin: operate,
    tenant_admin: operate,
    analyst: operate,
    viewer: ({ can }, { acting }) => can('read', ['Source', 'InboundEvent'], acting),
  },
});
