// Who may manage a tenant's SCIM tokens: its admins (a token provisions users and decides roles through groups).
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    ScimToken: true;
  }
}

const manageTokens: Grant = ({ can }, { acting }) => can('manage', 'ScimToken', acting);

registerAccess({
  scopes: { ScimToken: 'scim_tokens' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: manageTokens,
    tenant_admin: manageTokens,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
