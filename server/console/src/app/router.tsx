import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { CustomerPage } from '../pages/audience/CustomerPage';
import { CustomersPage } from '../pages/audience/CustomersPage';
import { PrivacyRequestsPage } from '../pages/audience/PrivacyRequestsPage';
import { SegmentsPage } from '../pages/audience/SegmentsPage';
import { AuditLogPage } from '../pages/audit/AuditLogPage';
import { JoinPage } from '../pages/JoinPage';
import { SignInPage } from '../pages/SignInPage';
import { TwoStepPage } from '../pages/TwoStepPage';
import { apiKeys, scimTokens, writeKeys } from '../pages/workspace/credential-kinds';
import { CredentialsPage } from '../pages/workspace/CredentialsPage';
import { MembersPage } from '../pages/workspace/MembersPage';
import { SettingsPage } from '../pages/workspace/SettingsPage';
import { SsoPage } from '../pages/workspace/SsoPage';
import { NotFound } from './NotFound';
import { RequireSignIn, Shell } from './Shell';
import { StartPage } from './StartPage';

const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignInPage /> },
    { path: '/join', element: <JoinPage /> },
    {
      element: <RequireSignIn />,
      children: [
        {
          element: <Shell />,
          children: [
            { index: true, element: <StartPage /> },
            { path: 'workspace/members', element: <MembersPage /> },
            { path: 'workspace/api-keys', element: <CredentialsPage key="api-keys" kind={apiKeys} /> },
            { path: 'workspace/write-keys', element: <CredentialsPage key="write-keys" kind={writeKeys} /> },
            { path: 'workspace/settings', element: <SettingsPage /> },
            { path: 'audience/customers', element: <CustomersPage /> },
            { path: 'audience/customers/:id', element: <CustomerPage /> },
            { path: 'audience/segments', element: <SegmentsPage /> },
            { path: 'audience/privacy-requests', element: <PrivacyRequestsPage /> },
            { path: 'audit', element: <AuditLogPage /> },
            { path: 'security/sso', element: <SsoPage /> },
            { path: 'security/scim-tokens', element: <CredentialsPage key="scim-tokens" kind={scimTokens} /> },
            { path: 'two-step', element: <TwoStepPage /> },
            { path: '*', element: <NotFound /> },
          ],
        },
      ],
    },
    { path: '*', element: <Navigate to="/" replace /> },
  ],
  { basename: '/console' },
);

export function ConsoleRouter() {
  return <RouterProvider router={router} />;
}
