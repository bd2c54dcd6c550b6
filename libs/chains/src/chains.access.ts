// What chains add to the permissions: analysts operate chains and runs, viewers read them, admins manage credentials.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Chain: true;
    ChainRun: true;
    Credential: true;
  }
}

const operate: Grant = ({ can }, { acting }) => {
  can('manage', ['Chain', 'ChainRun'], acting);
  // Credential metadata (names to use in templates); values are never readable by anyone.
  can('read', 'Credential', acting);
};

const administer: Grant = (rules, grantee) => {
  operate(rules, grantee);
  rules.can('manage', 'Credential', grantee.acting);
};

registerAccess({
  scopes: { Chain: 'chains', ChainRun: 'chain_runs', Credential: 'credentials' },
  roles: {
    platform_admin: NOTHING,
    mssp_admin: administer,
    tenant_admin: administer,
    analyst: operate,
    viewer: ({ can }, { acting }) => can('read', ['Chain', 'ChainRun'], acting),
  },
});
