import { apiKeys, scimTokens, writeKeys } from './credential-kinds';
import { CredentialsPage } from './CredentialsPage';

export const ApiKeysPage = () => <CredentialsPage key="api-keys" kind={apiKeys} />;
export const WriteKeysPage = () => <CredentialsPage key="write-keys" kind={writeKeys} />;
export const ScimTokensPage = () => <CredentialsPage key="scim-tokens" kind={scimTokens} />;
